"""Card-data redaction on a labelled set of English and Chinese sentences; prints JSON.

    PYTHONPATH=. python bench/pci.py

Recall: sentences holding a card number, security code or expiry date from which no trace of it
(digits or number words) survives. False positives: clean sentences (orders, phone numbers, dates,
homophones) that were changed. Also the time per sentence.
"""

from __future__ import annotations

import json
import re
import statistics
import sys
import time
from pathlib import Path

# bench/asr.py shares its name with the asr package: keep this folder off the import path.
sys.path = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

from qa.pci import redact_text  # noqa: E402

FULL_WIDTH = str.maketrans("0123456789", "".join(chr(0xFF10 + n) for n in range(10)))
# (text, the secret's digits: none may survive, but for a card's last four in its mask)
POSITIVES = [
    ("my card number is 4111 1111 1111 1111", "4111111111111111"),
    ("it's 5500-0000-0000-0004", "5500000000000004"),
    ("card four one one one one one one one one one one one one one one one", "4111111111111111"),
    ("for 1-1-1-1-1-1-1-1-1-1-1-1-1-1-1-1 is the number", "4111111111111111"),
    ("my card number is for 1-1-1-1-1-1-1-1-1-1-1-1-1-1-1", "4111111111111111"),
    ("credit card 4111 1111 1111 111", "411111111111111"),  # a digit dropped
    ("the card number is 4111 1111 1112", "411111111112"),  # twelve digits after a cue
    ("four double one triple one one one one one one one one one one", "4111111111111111"),
    ("3782 822463 10005", "378282246310005"),  # Amex grouping, no cue, Luhn
    ("6011111111111117 thanks", "6011111111111117"),
    ("card number 4,111,111,111,111,111", "4111111111111111"),
    ("my visa is four one one one one one one one one one one one one one one one", "4111111111111111"),
    ("card number is 4111 1111 uh 1111 1111", "4111111111111111"),
    ("the security code on the back is seven three nine", "739"),
    ("the security code on the back is 739", "739"),
    ("security code 7, 3, 9", "739"),
    ("my cvv is seven thirty nine", "739"),
    ("CVC 4821", "4821"),
    ("the three digits on the back are one two three", "123"),
    ("it expires oh nine twenty seven", "0927"),
    ("expiry 09/27", "0927"),
    ("valid thru 09 27", "0927"),
    ("the expiration date is September 2027", "2027"),
    ("expires twelve twenty eight", "1228"),
    ("我的卡号是四一一一一一一一一一一一一一一一", "4111111111111111"),
    ("银行卡号 6222 0212 3456 7890 123", "6222021234567890123"),
    ("信用卡 " + "4111 1111 1111 1111".translate(FULL_WIDTH), "4111111111111111"),
    ("卡号幺两三四五六七八九零幺两三四五六", "1234567890123456"),
    ("安全码是七三九", "739"),
    ("校验码 482", "482"),
    ("背面三位是 7 3 9", "739"),
    ("有效期是2027年9月", "20279"),
    ("有效期 09/27", "0927"),
]
NEGATIVES = [
    "order 123456 please",
    "call me at 415 555 2671",
    "on the 25th of 2026",
    "I was waiting for you to call too",
    "I paid for 2 items at 10 dollars",
    "the meeting is at 3 to 4",
    "I ate at eight",
    "my account was charged twice this month",
    "my order number is 98765",
    "room 1204 on floor 12",
    "the parcel weighs 2.5 kg",
    "tracking ID AB1234567",
    "we won two to one",
    "oh no",
    "I would like a refund for my last order",
    "please send it to 221B Baker Street",
    "I have had this card for years",
    "my phone is 138 0013 8000",
    "订单号是 20240501",
    "我想查一下我的订单",
    "一共两件",
    "我的电话是13800138000",
    "在2026年12月2日",
    "请帮我看一下",
    "the code for the door is open",
    "zip code 94107",
    "it costs 1,299 dollars",
    "version 3.11.4",
    "between 9 and 5",
    "one moment please",
]


def leaks(redacted: str) -> bool:
    """A digit outside a mask, or a number word after the last mask (those before it are the cue's:
    "the three digits on the back")."""
    outside = re.sub(r"\[card ••••\d{4}\]", "", redacted)
    words = re.search(
        r"\b(one|two|three|four|five|six|seven|eight|nine|oh|thirty|twenty)\b", outside.rsplit("]", 1)[-1]
    )
    return bool(re.search(r"\d", outside)) or words is not None


def main() -> None:
    hidden, leaked = 0, []
    timings = []
    for text, _secret in POSITIVES:
        started = time.perf_counter()
        out = redact_text(text)
        timings.append(time.perf_counter() - started)
        if out == text or leaks(out):
            leaked.append({"text": text, "redacted": out})
        else:
            hidden += 1
    changed = []
    for text in NEGATIVES:
        started = time.perf_counter()
        out = redact_text(text)
        timings.append(time.perf_counter() - started)
        if out != text:
            changed.append({"text": text, "redacted": out})
    print(
        json.dumps(
            {
                "positives": len(POSITIVES),
                "recall": round(hidden / len(POSITIVES), 3),
                "leaked": leaked,
                "negatives": len(NEGATIVES),
                "false_positive_rate": round(len(changed) / len(NEGATIVES), 3),
                "changed": changed,
                "ms_per_sentence_p50": round(statistics.median(timings) * 1000, 3),
                "ms_per_sentence_max": round(max(timings) * 1000, 3),
            },
            ensure_ascii=False,
            indent=1,
        )
    )


if __name__ == "__main__":
    main()
