"""Greeting and resolution recognition measured on two EN/ZH sets of single utterances.

The tuning set chose the examples and thresholds in ``qa.scorecards.phrases``; the held-out set was
written afterwards and never used to tune. Resolution is kept conservative (a wrong "resolved" is
worse than a missed one, which a QA manager can override): no false positive on either set.
"""

from __future__ import annotations

import pytest

from qa.scorecards.phrases import PhraseMatcher, shared_phrase_book

# ---- tuning set
TUNING_RES_POS = [
    "great, it's working again",
    "yes that did the trick",
    "perfect, the problem is gone",
    "ok the refund went through, thanks",
    "that's fixed it, cheers",
    "awesome, I can log in now",
    "the issue is resolved, thank you",
    "wonderful, everything is fine now",
    "brilliant, that sorted it",
    "yes I can see the money is back",
    "好的 问题解决了",
    "可以了 谢谢你",
    "现在能用了",
    "太好了 已经好了",
    "问题已经处理好了",
    "嗯 没问题了 谢谢",
    "好的 我收到退款了",
    "现在正常了",
    "解决了 非常感谢",
    "行 这样就可以了",
]
TUNING_RES_NEG = [
    "it still doesn't work",
    "that didn't help at all",
    "the problem is not solved",
    "I'm still waiting for my refund",
    "thanks for nothing",
    "I will call back tomorrow",
    "can you transfer me to a manager",
    "goodbye",
    "ok bye",
    "what is my balance",
    "问题还是没有解决",
    "还是不行",
    "我要投诉",
    "再见",
    "我明天再打来",
    "没有用",
    "你们的服务太差了",
    "请帮我查一下订单",
    "好的 再见",
    "这个问题没解决",
]
TUNING_GR_POS = [
    "good morning, you're through to billing, Sam speaking",
    "hi there, this is Alex, what can I do for you",
    "hello, welcome to Acme support",
    "thanks for calling Acme, my name is Lee",
    "good evening, how may I assist you",
    "您好 这里是售后服务中心",
    "你好 请问有什么需要帮助的",
    "欢迎来电 我是客服小李",
    "早上好 很高兴为您服务",
    "您好 我是工号1024的客服",
]
TUNING_GR_NEG = [
    "can I have your account number",
    "one moment please",
    "I see your order was shipped yesterday",
    "please hold",
    "what seems to be the problem",
    "请提供您的订单号",
    "稍等一下",
    "您的包裹已经发出了",
    "请问您的手机号码是多少",
    "我帮您转接一下",
]

# ---- held-out set
HELD_OUT_RES_POS = [
    "right, the app opens again",
    "that's done it, thank you so much",
    "fantastic, all working",
    "yes the charge has been reversed",
    "good, my order shows as delivered now",
    "that fixed the problem",
    "ah now I understand, that answers it",
    "everything's back to normal",
    "no more errors, great",
    "lovely, it's sorted",
    "好的 现在可以登录了",
    "钱已经退回来了 谢谢",
    "嗯 现在正常了",
    "明白了 问题解决",
    "好了好了 可以用了",
    "谢谢 已经好了",
    "没有报错了",
    "网络恢复了",
    "订单状态更新了 谢谢",
    "对 就是这样 解决了",
]
HELD_OUT_RES_NEG = [
    "it keeps crashing",
    "that made it worse",
    "nope, same error",
    "I'm not happy with this",
    "when will the engineer come",
    "I want to speak to someone else",
    "so long",
    "talk to you later",
    "can you repeat that",
    "is the store open on sunday",
    "还是连不上",
    "一样的错误",
    "我不满意",
    "工程师什么时候来",
    "我想换个人说",
    "下次再说吧",
    "你能再说一遍吗",
    "周日营业吗",
    "还没收到退款",
    "拜拜",
]
HELD_OUT_GR_POS = [
    "hi, you've reached the help desk, I'm Jo",
    "good afternoon, customer care, how can I help",
    "hello and thanks for holding",
    "hey, thanks for getting in touch",
    "welcome to the billing line, this is Max",
    "您好 这里是客服中心 我是小张",
    "你好 欢迎致电售后",
    "早上好 请问您需要什么帮助",
    "您好 很高兴为您服务 请讲",
    "喂 您好 请问有什么可以帮您",
]
HELD_OUT_GR_NEG = [
    "your account is overdue",
    "let me pull up your file",
    "could you spell your surname",
    "I'll need to verify your identity",
    "the system is slow today",
    "您的账户已欠费",
    "我查一下您的资料",
    "请拼一下您的名字",
    "我需要核实一下您的身份",
    "系统今天有点慢",
]


def rates(matcher: PhraseMatcher, positives: list[str], negatives: list[str]) -> tuple[float, int]:
    recall = sum(matcher.match(t) is not None for t in positives) / len(positives)
    return recall, sum(matcher.match(t) is not None for t in negatives)


@pytest.mark.parametrize(
    ("positives", "negatives", "min_recall"),
    [(TUNING_RES_POS, TUNING_RES_NEG, 0.9), (HELD_OUT_RES_POS, HELD_OUT_RES_NEG, 0.55)],
    ids=["tuning", "held-out"],
)
def test_confirmed_resolutions_are_recognised_and_never_invented(
    positives: list[str], negatives: list[str], min_recall: float
) -> None:
    recall, false_positives = rates(shared_phrase_book().resolution, positives, negatives)
    assert recall >= min_recall and false_positives == 0, (recall, false_positives)


@pytest.mark.parametrize(
    ("positives", "negatives"),
    [(TUNING_GR_POS, TUNING_GR_NEG), (HELD_OUT_GR_POS, HELD_OUT_GR_NEG)],
    ids=["tuning", "held-out"],
)
def test_greetings_are_recognised_in_english_and_chinese(positives: list[str], negatives: list[str]) -> None:
    recall, false_positives = rates(shared_phrase_book().greeting, positives, negatives)
    assert recall == 1.0 and false_positives == 0, (recall, false_positives)
