"""Money as it is written: integer fen in, ¥1,234.56 and 人民币大写 out, typed yuan parsed exactly."""

import decimal
import re
import unicodedata

from models.core import N_, RuleError

AMOUNT = re.compile(r"[0-9]+(\.[0-9]{1,2})?")
MAX_FEN = 99_999_999_99  # ¥99,999,999.99: more is a typing error on a service desk
DIGITS = "零壹贰叁肆伍陆柒捌玖"
SMALL_UNITS = ("", "拾", "佰", "仟")
GROUP_UNITS = ("", "万", "亿", "万亿")


def parse_yuan(text, field="amount", allow_zero=True):
    """Typed yuan ("123", "123.4", "1,234.56") as integer fen; RuleError on anything else."""
    # full-width digits typed with a Chinese input method count as digits
    raw = unicodedata.normalize("NFKC", str(text if text is not None else "")).strip()
    raw = raw.replace(",", "").replace("¥", "").replace("￥", "").strip()
    if raw.startswith("-"):
        raise RuleError(N_("The amount must be more than zero."), field=field)
    if not AMOUNT.fullmatch(raw):
        if re.fullmatch(r"[0-9]+\.[0-9]{3,}", raw):
            raise RuleError(N_("Enter an amount in yuan with at most two decimals."), field=field)
        raise RuleError(N_("Enter an amount in yuan, such as 128.50."), field=field)
    fen = int(decimal.Decimal(raw) * 100)
    if fen < 0 or (fen == 0 and not allow_zero):
        raise RuleError(N_("The amount must be more than zero."), field=field)
    if fen > MAX_FEN:
        raise RuleError(N_("That amount is too large."), field=field)
    return fen


def _group(number):
    """Up to four digits in capitals, with 零 where a zero sits between digits."""
    text, zero = "", False
    for position in range(3, -1, -1):
        digit = number // 10**position % 10
        if digit == 0:
            zero = bool(text)
            continue
        if zero:
            text += "零"
            zero = False
        text += DIGITS[digit] + SMALL_UNITS[position]
    return text


def rmb_capitals(fen):
    """An amount in Chinese capitals as on a receipt or invoice: 壹佰贰拾叁元肆角伍分, 壹佰元整."""
    if fen is None:
        return ""
    sign = "负" if fen < 0 else ""
    fen = abs(int(fen))
    yuan, jiao, cents = fen // 100, fen // 10 % 10, fen % 10
    text = ""
    groups = []
    while yuan:
        groups.append(yuan % 10000)
        yuan //= 10000
    need_zero = False
    for index in range(len(groups) - 1, -1, -1):
        number = groups[index]
        if number == 0:
            need_zero = bool(text)
            continue
        if text and (need_zero or number < 1000):
            text += "零"
        text += _group(number) + GROUP_UNITS[index]
        need_zero = False
    if text:
        text += "元"
    if jiao == 0 and cents == 0:
        return sign + (text or "零元") + "整"
    if jiao:
        text += DIGITS[jiao] + "角"
    elif text:
        text += "零"
    if cents:
        text += DIGITS[cents] + "分"
    else:
        text += "整"
    return sign + text


def yuan_text(fen):
    """Fen as plain yuan with two decimals (form fields, exports): 1234.50."""
    if fen is None:
        return ""
    sign = "-" if fen < 0 else ""
    fen = abs(int(fen))
    return f"{sign}{fen // 100}.{fen % 100:02d}"
