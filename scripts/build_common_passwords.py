"""Build config/data/common-passwords.txt offline, from the patterns breached-password lists are made of.

The lists published from breaches (RockYou, the "top 10k" lists) are dominated by a few hundred base
words and keyboard walks, each with a year, a short number run or a symbol on the end. This script
writes those combinations (lower case; the policy compares case-insensitively), so the project ships
a list it can regenerate without downloading anything: ``python scripts/build_common_passwords.py``.
"""

from __future__ import annotations

from itertools import product
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "config" / "data" / "common-passwords.txt"

# Frequent whole passwords from published breach top lists.
WHOLE = """
123456 123456789 12345678 password qwerty123 qwerty1 111111 12345 secret 123123 1234567890
1234567 000000 qwerty abc123 password1 iloveyou 1q2w3e4r 1q2w3e4r5t 1q2w3e4r5t6y 1qaz2wsx
1qaz2wsx3edc zaq12wsx zaq1zaq1 qwertyuiop asdfghjkl zxcvbnm qazwsx qazwsxedc qweasdzxc
passw0rd p@ssw0rd p@ssword pa$$word passwort motdepasse contrasena senha parola wachtwoord
letmein welcome welcome1 admin admin123 administrator root toor changeme default guest
trustno1 starwars dragon monkey master shadow sunshine princess football baseball superman
batman michael jennifer jordan23 hunter2 whatever freedom ninja mustang access flower
loveme lovely hello hello123 charlie donald aa123456 654321 987654321 123321 666666 888888
7777777 121212 112233 11111111 00000000 123qwe 123abc abcd1234 1234qwer qwer1234 asdf1234
q1w2e3r4 q1w2e3r4t5 a1b2c3d4 iloveyou1 princess1 football1 monkey123 dragon123 superman1
computer internet samsung google apple microsoft facebook linkedin twitter youtube
""".split()

# Base words people build passwords from (names, teams, places, things, the product itself).
WORDS = """
password passwort passw0rd p@ssw0rd p@ssword pass qwerty qwertz azerty asdf zxcv admin root user
login welcome letmein secret master dragon monkey shadow sunshine princess football baseball
soccer hockey basketball superman batman spiderman ironman starwars pokemon minecraft fortnite
iloveyou loveyou lovely love angel baby babygirl hello hellokitty charlie michael jennifer jordan
thomas jessica ashley daniel andrew joshua matthew robert william david richard anthony michelle
nicole amanda melissa summer winter spring autumn flower freedom whatever trustno1 access
computer internet samsung google apple microsoft facebook voxdesk asterisk support helpdesk
company contact center callcenter service customer office manager agent supervisor changeme
default guest test testing tester demo example mustang ferrari porsche mercedes chelsea arsenal
liverpool barcelona madrid juventus yankees cowboys lakers eagles tigers killer hunter ninja
matrix phoenix cookie chocolate banana orange purple yellow diamond silver golden money
america canada london paris berlin tokyo china beijing shanghai india mumbai brazil mexico
family friends forever jesus heaven blessed buster ginger pepper tigger maggie bailey
""".split()

KEYBOARD = """
qwertyuiop asdfghjkl zxcvbnm qwertyui qwertyu qwerty1234 1qaz2wsx3edc4rfv zaq12wsxcde3
1q2w3e4r5t6y7u8i 1q2w3e4r5t6y7u q1w2e3r4t5y6 qazwsxedcrfv qweasdzxc123 asdfghjkl123
!qaz@wsx#edc 1qazxsw2 zxcvbnm123 poiuytrewq lkjhgfdsa mnbvcxz
""".split()

SUFFIXES = (
    ["", "!", "1", "12", "123", "1234", "12345", "123456", "1234567", "12345678", "123456789",
     "1!", "123!", "01", "007", "69", "99", "00", "11", "22", "2", "7", "13", "21", "@123", "#1",
     "1234567890", "0987654321", "111", "000", "321", "777", "888", "666"]
    + [str(year) for year in range(1960, 2031)]
    + [f"{year}!" for year in range(2000, 2031)]
)


def candidates() -> set[str]:
    found = {w.lower() for w in WHOLE}
    for word, suffix in product(WORDS + KEYBOARD, SUFFIXES):
        found.add(f"{word}{suffix}".lower())
    for digit in "0123456789":
        for length in range(6, 21):
            found.add(digit * length)  # 000000, 111111111111, ...
    runs = "12345678901234567890"
    for start in range(10):
        for length in range(6, 21):
            found.add(runs[start:start + length])
            found.add(runs[start:start + length][::-1])
    for letter in "abcdefghijklmnopqrstuvwxyz":
        for length in range(6, 17):
            found.add(letter * length)
    for word in WORDS:  # doubled words: passwordpassword, monkeymonkey
        found.add(word * 2)
    return found


def main() -> None:
    words = sorted(candidates())
    header = "# Common passwords (built by scripts/build_common_passwords.py; compared case-insensitively)\n"
    OUT.write_text(header + "\n".join(words) + "\n", encoding="utf-8")
    print(f"{len(words)} passwords -> {OUT}")


if __name__ == "__main__":
    main()
