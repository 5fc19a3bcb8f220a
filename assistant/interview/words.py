"""The words of the conversation that are not commands (the commands and their words: commands.py)."""

from __future__ import annotations

CARRY_WORDS = {"不变", "沿用", "沿用上年", "没有变化", "无变化", "确认"}  # on a question carried from last year


AS_ANSWER = {"1", "作为答案", "答案", "是答案", "填写", "记录"}  # "answer or command?": the answer


AS_COMMAND = {"2", "查询", "查询词汇表", "词汇表", "查词汇表", "跳转"}  # "answer or command?": the command


WORDS_HELP = (
    "可以随时输入：? 或“帮助”（解释本题）、“什么是……”（查词汇表）、“返回”（上一题）、"
    "“稍后”（先填下一题）、“跳到 ……”（跳到某题或某部分）、“进度”、“检查”、“预览”、“保存”、“退出”。"
)
