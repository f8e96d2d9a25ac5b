"""How amounts, dates and balances read, for batches of reminders and letters.

`DunningFormats` gives the same text as Odoo's `format_date`, `format_amount`
and `_()`, looked up once per batch instead of once per value: the nightly job
writes tens of thousands of lines, and each generic call looks the language up
again. `amount_in_words` and the aged-balance buckets are shared by the
letters, the account statement, the schedule agreement and the Excel export.
"""

import ast
from decimal import Decimal

from num2words import CONVERTER_CLASSES

from odoo.tools import float_round, format_date, get_lang

from odoo.addons.base.models.res_lang import intersperse

# Aged balance buckets: (key, first day late, last day late or None).
AGED_BUCKETS = [
    ("not_due", None, 0),
    ("1_30", 1, 30),
    ("31_60", 31, 60),
    ("61_90", 61, 90),
    ("over_90", 91, None),
]


def aged_bucket(days_late):
    """Index in `AGED_BUCKETS` of an amount `days_late` days past its due date."""
    for index, (_key, first, last) in enumerate(AGED_BUCKETS):
        if (first is None or days_late >= first) and (
            last is None or days_late <= last
        ):
            return index
    return len(AGED_BUCKETS) - 1


def amount_in_words(amount, currency, lang_code):
    """The amount in words with its currency, in the reader's language
    ("mille deux cents euros et cinquante centimes")."""
    iso = (lang_code or "en_US").split("_")[0]
    converter = CONVERTER_CLASSES.get(lang_code) or CONVERTER_CLASSES.get(iso)
    forms = converter and getattr(converter, "CURRENCY_FORMS", {}).get(currency.name)
    if not forms:
        return currency.with_context(lang=lang_code).amount_to_text(amount)
    value = Decimal(f"{abs(amount):.2f}")
    units = int(value)
    cents = int((value - units) * 100)
    if cents:
        return converter.to_currency(value, currency=currency.name)
    return f"{converter.to_cardinal(units)} {converter.pluralize(units, forms[0])}"


class DunningFormats:
    """Dates, amounts, labels and sentences of one language for a batch of
    reminders: the same text as `format_date` / `format_amount` / `_()`, looked
    up once per batch instead of once per line (tens of thousands a night)."""

    def __init__(self, env):
        self.env = env
        self.lang = env["res.lang"].browse(get_lang(env).id)
        self._cache = {}

    def _memo(self, key, compute):
        if key not in self._cache:
            self._cache[key] = compute()
        return self._cache[key]

    def text(self, key, compute):
        return self._memo(("text", key), compute)

    def label(self, model, field_name, value):
        """The label of a selection value, in the language."""
        labels = self._memo(
            ("selection", model._name, field_name),
            lambda: dict(model._fields[field_name]._description_selection(self.env)),
        )
        return labels[value]

    def record_name(self, model_name, record_id):
        return self._memo(
            ("name", model_name, record_id),
            lambda: self.env[model_name].browse(record_id).name or "",
        )

    def company_currency(self, company_id):
        return self._memo(
            ("company_currency", company_id),
            lambda: self.env["res.company"].browse(company_id).currency_id,
        )

    def date(self, value):
        return self._memo(("date", value), lambda: format_date(self.env, value))

    def amount(self, amount, currency):
        """`format_amount`, with the language's separators and the currency's
        digits looked up once (res.lang.format parses its grouping each call)."""
        fmt, rounding, before, symbol = self._memo(
            ("currency", currency.id),
            lambda: (
                f"%.{currency.decimal_places}f",
                currency.rounding,
                currency.position == "before",
                currency.symbol or "",
            ),
        )
        grouping, thousands_sep, decimal_point = self._memo(
            ("lang",),
            lambda: self._get_lang_separators(),
        )
        parts = (fmt % float_round(amount, precision_rounding=rounding)).split(".")
        parts[0] = intersperse(parts[0], grouping, thousands_sep)[0]
        text = (
            decimal_point.join(parts)
            .replace(" ", "\N{NO-BREAK SPACE}")
            .replace("-", "-\N{ZERO WIDTH NO-BREAK SPACE}")
        )
        if before:
            return f"{symbol}\N{NO-BREAK SPACE}{text}"
        return f"{text}\N{NO-BREAK SPACE}{symbol}"

    def _get_lang_separators(self):
        data = self.lang._get_data(id=self.lang.id)
        return (
            ast.literal_eval(data.grouping),
            data.thousands_sep or "",
            data.decimal_point,
        )
