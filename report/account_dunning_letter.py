from collections import defaultdict
from datetime import timedelta
from decimal import Decimal

from num2words import CONVERTER_CLASSES

from odoo import api, models
from odoo.tools import get_lang
from odoo.tools.image import image_data_uri

from ..models.account_dunning_action import VALIDATED_STATES

# DOMAIN.md 3.2: eight days to pay for professionals, fifteen for private persons.
B2C_MIN_DEADLINE_DAYS = 15


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


class ReportDunningLetter(models.AbstractModel):
    """Figures of the reminder letters, computed once for a whole batch: the
    penalties, the earlier reminders and the totals are read set-based so that
    500 letters cost the same few queries as one."""

    _name = "report.account_dunning.report_dunning_letter"
    _description = "Dunning letter"

    @api.model
    def _get_report_values(self, docids, data=None):
        actions = self.env["account.dunning.action"].browse(docids)
        return {
            "doc_ids": docids,
            "doc_model": "account.dunning.action",
            "docs": actions,
            "letters": self._get_letters_values(actions),
        }

    @api.model
    def _render_preview(self, action):
        """HTML of the letter an unsaved reminder would print (Relancer wizard):
        the same document template and figures as the PDF, without the PDF."""
        values = self._get_letters_values(action)
        lang = values[action.id]["lang"]
        return (
            self.env["ir.qweb"]
            .with_context(lang=lang)
            ._render(
                "account_dunning.report_dunning_letter_document",
                {
                    "action": action.with_context(lang=lang),
                    "letters": values,
                    "image_data_uri": image_data_uri,
                },
            )
        )

    @api.model
    def _get_letters_values(self, actions):
        penalties = {}
        for date, dated in actions.grouped("date").items():
            moves = dated.line_ids.move_id
            penalties[date] = moves._get_dunning_penalties(on_date=date)
        history = self._get_history(actions)
        values = {}
        for action in actions:
            partner = action.partner_id
            lang = partner.lang or get_lang(self.env).code
            category = partner.dunning_debtor_category or "b2b"
            level = action.level_id
            lines = []
            interest_total = fee_total = 0.0
            with_penalties = level.apply_penalties
            for line in action.line_ids:
                move = line.move_id
                move_penalty = penalties[action.date].get(move.id) or {}
                interest = move_penalty.get("interest", 0.0) if with_penalties else 0.0
                fee = move_penalty.get("fixed_fee", 0.0) if with_penalties else 0.0
                if category == "b2c":
                    fee = 0.0  # never a recovery fee for a private person
                interest_total += interest
                fee_total += fee
                lines.append(
                    {
                        "line": line,
                        "move": move,
                        "paid": line.amount_total - line.amount_residual,
                        "interest": interest,
                        "fee": fee,
                        "periods": move_penalty.get("periods", []),
                    }
                )
            principal = sum(line.amount_residual for line in action.line_ids)
            currency = action.line_ids[:1].currency_id or action.currency_id
            total_claimed = principal + interest_total + fee_total
            deadline_days = level.payment_deadline_days
            if category == "b2c":
                deadline_days = max(deadline_days, B2C_MIN_DEADLINE_DAYS)
            values[action.id] = {
                "lang": lang,
                "tone": level._get_letter_tone(),
                "category": category,
                "lines": lines,
                "currency": currency,
                "principal": principal,
                "interest_total": interest_total,
                "fee_total": fee_total,
                "total_claimed": total_claimed,
                "total_in_words": amount_in_words(total_claimed, currency, lang),
                "deadline_days": deadline_days,
                "history": history.get(action.id, []),
                "promise_dates": sorted(
                    {
                        move.dunning_promise_date
                        for move in action.line_ids.move_id
                        if move.dunning_promise_date
                        and move.dunning_promise_date
                        <= action.date + timedelta(days=31)
                    }
                ),
                "bank": action.company_id.partner_id.bank_ids[:1],
                "payment_refs": [
                    ref
                    for ref in action.line_ids.move_id.mapped("payment_reference")
                    if ref
                ],
                "recipients": action.contact_ids.filtered(
                    lambda c, partner=partner: c != partner and c.name
                ),
                "reference": action._get_letter_reference(),
            }
        return values

    @api.model
    def _get_history(self, actions):
        """Earlier reminders of each customer (date, level, channel), one query."""
        if not actions:
            return {}
        earlier = self.env["account.dunning.action"].search(
            [
                ("partner_id", "in", actions.partner_id.ids),
                ("company_id", "in", actions.company_id.ids),
                ("state", "in", VALIDATED_STATES),
                ("date", "<=", max(actions.mapped("date"))),
            ],
            order="date, id",
        )
        by_partner = defaultdict(list)
        for previous in earlier:
            by_partner[previous.partner_id.id].append(previous)
        return {
            action.id: [
                previous
                for previous in by_partner[action.partner_id.id]
                if previous.id != action.id
                and previous.date <= action.date
                and previous.level_id != action.level_id
            ]
            for action in actions
        }
