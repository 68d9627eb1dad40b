"""Currencies as order files write them: signs (``£``, ``₹``, ``zł``) and ISO 4217 codes.

A money value may carry its currency before or after the number (``£15.30``, ``15,30 €``,
``EUR 12``, ``12,50 zł``, ``R$ 9,90``). The readers take the currency off, check that a
column holds one currency, and show that currency in the report. A sign and its code are
one currency (``₹12`` and ``INR 12``): :func:`currency_sign` gives a code's sign.

Only ISO 4217 codes of currencies in use are codes here, so that a unit or a word after a
number (``2 PCS``, ``QTY``) is not taken for a currency. Currencies are read off money
columns only: after a quantity, letters are a unit (``3 kg``).
"""

from __future__ import annotations

import re

__all__ = ["CURRENCY", "CURRENCY_SIGNS", "ISO_4217", "currency_sign"]

#: each currency's sign, by its ISO 4217 code, where the sign is the currency's own
#: (``$`` and ``¥`` are also other dollars and the yuan; a file holding them is read as
#: one currency, the sign, and ``USD`` or ``JPY`` beside them is the same one)
CURRENCY_SIGNS = {
    "EUR": "€", "GBP": "£", "USD": "$", "JPY": "¥",
    "INR": "₹", "KRW": "₩", "RUB": "₽", "TRY": "₺", "ILS": "₪", "VND": "₫", "PHP": "₱",
    "THB": "฿", "UAH": "₴", "NGN": "₦", "BDT": "৳", "KZT": "₸", "GHS": "₵", "CRC": "₡",
    "PYG": "₲", "AZN": "₼", "GEL": "₾", "MNT": "₮", "LAK": "₭",
    "PLN": "zł", "CZK": "Kč", "HUF": "Ft", "BRL": "R$",
}  # fmt: skip
#: signs shared by several currencies, read as a currency of their own: the crowns of
#: Sweden, Norway, Denmark and Iceland (``kr``, Danish ``kr.``)
SHARED_SIGNS = ("kr.", "kr")
#: other spellings of one sign
SPELLINGS = {"kr.": "kr"}
#: the ISO 4217 codes of the currencies in use (the fund, precious-metal and test codes
#: left out)
ISO_4217 = frozenset({
    "AED", "AFN", "ALL", "AMD", "ANG", "AOA", "ARS", "AUD", "AWG", "AZN", "BAM", "BBD",
    "BDT", "BGN", "BHD", "BIF", "BMD", "BND", "BOB", "BRL", "BSD", "BTN", "BWP", "BYN",
    "BZD", "CAD", "CDF", "CHF", "CLP", "CNY", "COP", "CRC", "CUC", "CUP", "CVE", "CZK",
    "DJF", "DKK", "DOP", "DZD", "EGP", "ERN", "ETB", "EUR", "FJD", "FKP", "GBP", "GEL",
    "GHS", "GIP", "GMD", "GNF", "GTQ", "GYD", "HKD", "HNL", "HTG", "HUF", "IDR", "ILS",
    "INR", "IQD", "IRR", "ISK", "JMD", "JOD", "JPY", "KES", "KGS", "KHR", "KMF", "KPW",
    "KRW", "KWD", "KYD", "KZT", "LAK", "LBP", "LKR", "LRD", "LSL", "LYD", "MAD", "MDL",
    "MGA", "MKD", "MMK", "MNT", "MOP", "MRU", "MUR", "MVR", "MWK", "MXN", "MYR", "MZN",
    "NAD", "NGN", "NIO", "NOK", "NPR", "NZD", "OMR", "PAB", "PEN", "PGK", "PHP", "PKR",
    "PLN", "PYG", "QAR", "RON", "RSD", "RUB", "RWF", "SAR", "SBD", "SCR", "SDG", "SEK",
    "SGD", "SHP", "SLE", "SLL", "SOS", "SRD", "SSP", "STN", "SVC", "SYP", "SZL", "THB",
    "TJS", "TMT", "TND", "TOP", "TRY", "TTD", "TWD", "TZS", "UAH", "UGX", "USD", "UYU",
    "UZS", "VED", "VES", "VND", "VUV", "WST", "XAF", "XCD", "XCG", "XOF", "XPF", "YER",
    "ZAR", "ZMW", "ZWG"
})
#: a currency as a regular expression: a sign (the longest first, so ``R$`` before
#: ``$`` and ``kr.`` before ``kr``) or a code
CURRENCY = "|".join(
    [re.escape(s) for s in sorted({*CURRENCY_SIGNS.values(), *SHARED_SIGNS}, key=len,
                                  reverse=True)] + sorted(ISO_4217)
)  # fmt: skip


def currency_sign(symbol: str) -> str:
    """``symbol`` as a sign where it is a code with a sign of its own (``EUR`` → ``€``,
    ``INR`` → ``₹``) or another spelling of a sign (``kr.`` → ``kr``); any other sign or
    code as it is written."""
    symbol = symbol.strip()
    return CURRENCY_SIGNS.get(symbol, SPELLINGS.get(symbol, symbol))
