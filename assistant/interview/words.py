"""The words of the conversation: commands a person types, and how they are explained."""

from __future__ import annotations

HELP_WORDS = {"?", "帮助", "help", "提示", "怎么填"}


BACK_WORDS = {"返回", "上一题", "上一步", "back"}


SKIP_WORDS = {"跳过", "skip"}


LATER_WORDS = {"稍后", "稍后再填", "以后再填", "先跳过", "下一题", "later"}


PREVIEW_WORDS = {"预览", "preview"}


SAVE_WORDS = {"保存", "save"}


QUIT_WORDS = {"退出", "quit", "exit", "q"}


PROGRESS_WORDS = {"进度", "progress"}


CHECK_WORDS = {"检查", "核对", "check"}


DRAFT_WORDS = {"起草", "帮我起草", "草拟", "draft"}


JUMP_WORDS = ("跳到", "转到", "goto ")  # a jump whenever the target resolves


MAYBE_JUMP_WORDS = ("去", "修改")  # also how answers begin (去离子水, 修改型材料): asked about on free text


JUMP_PREFIXES = JUMP_WORDS + MAYBE_JUMP_WORDS


CARRY_WORDS = {"不变", "沿用", "沿用上年", "没有变化", "无变化", "确认"}  # on a question carried from last year


AS_ANSWER = {"1", "作为答案", "答案", "是答案", "填写", "记录"}


AS_COMMAND = {"2", "查询", "查询词汇表", "词汇表", "查词汇表", "跳转"}


WORDS_HELP = (
    "可以随时输入：? 或“帮助”（解释本题）、“什么是……”（查词汇表）、“返回”（上一题）、"
    "“稍后”（先填下一题）、“跳到 ……”（跳到某题或某部分）、“进度”、“检查”、“预览”、“保存”、“退出”。"
)
