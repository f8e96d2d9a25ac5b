"""Claiming late-payment penalties on a debit note, for the invoices'
*Claim penalties* (`account.move.action_dunning_claim_penalties`): a service
apart from the invoice's file so that file stays readable."""

from odoo import Command, fields, models
from odoo.exceptions import UserError
from odoo.tools import format_amount, format_date


class AccountDunningPenaltyClaim(models.AbstractModel):
    """The debit note of the penalties of late invoices (DOMAIN.md §1)."""

    _name = "account.dunning.penalty.claim"
    _description = "Dunning: claim of late-payment penalties"

    def _claim_penalties(self, moves):
        """Draft debit note of the penalties of the selected invoices: one line of
        interest, one line of fixed indemnities, no tax (damages, not a supply)."""
        if not moves:
            raise UserError(
                self.env._("Select the invoices whose penalties you claim.")
            )
        wrong = moves.filtered(
            lambda m: m.move_type != "out_invoice" or m.state != "posted"
        )
        if wrong:
            raise UserError(
                self.env._(
                    "Penalties can only be claimed on posted customer invoices: "
                    "%(moves)s.",
                    moves=", ".join(wrong.mapped("display_name")),
                )
            )
        partner = moves.commercial_partner_id
        if len(partner) > 1:
            raise UserError(
                self.env._(
                    "Penalties are claimed from one customer at a time, and the "
                    "selected invoices belong to several customers (%(customers)s). "
                    "Select the invoices of a single customer.",
                    customers=", ".join(partner.mapped("display_name")),
                )
            )
        if len(moves.company_id) > 1 or len(moves.currency_id) > 1:
            raise UserError(
                self.env._(
                    "Select invoices of one company and in one currency to claim "
                    "their penalties together."
                )
            )
        today = fields.Date.context_today(self)
        if self.env["account.dunning.rule"]._is_in_proceedings(partner, today):
            raise UserError(
                self.env._(
                    "%(customer)s is in collective proceedings: penalties and "
                    "indemnities cannot be claimed from them; declare the claim to "
                    "the court-appointed representative instead.",
                    customer=partner.display_name,
                )
            )
        penalties = moves._get_dunning_penalties(today)
        missing = sorted({d for v in penalties.values() for d in v["missing_rates"]})
        if missing:
            raise UserError(
                self.env._(
                    "No reference rate is recorded for %(dates)s: add it under "
                    "Configuration > Reminders > Reference rates, then claim again.",
                    dates=", ".join(format_date(self.env, d) for d in missing),
                )
            )
        company = moves.company_id
        currency = moves.currency_id
        interest = currency.round(sum(v["interest"] for v in penalties.values()))
        fees = currency.round(sum(v["fixed_fee"] for v in penalties.values()))
        if currency.is_zero(interest) and currency.is_zero(fees):
            raise UserError(
                self.env._(
                    "Nothing is due on the selected invoices: they were not paid "
                    "late, or, for a private person, no formal notice was sent."
                )
            )
        journal = self.env["account.journal"].search(
            [
                *self.env["account.journal"]._check_company_domain(company),
                ("type", "=", "sale"),
            ],
            limit=1,
        )
        if not journal.default_account_id:
            raise UserError(
                self.env._(
                    "Set an income account on a sales journal to claim penalties."
                )
            )
        category = partner.dunning_debtor_category or "b2b"
        lines = []
        if not currency.is_zero(interest):
            lines.append(
                Command.create(
                    {
                        "name": self._get_interest_label(moves, category, penalties),
                        "quantity": 1,
                        "price_unit": interest,
                        "account_id": journal.default_account_id.id,
                        "tax_ids": [Command.clear()],
                    }
                )
            )
        if not currency.is_zero(fees):
            late = moves.filtered(lambda m: penalties[m.id]["fixed_fee"])
            lines.append(
                Command.create(
                    {
                        "name": self._get_fee_label(moves, category, late),
                        "quantity": 1,
                        "price_unit": fees,
                        "account_id": journal.default_account_id.id,
                        "tax_ids": [Command.clear()],
                    }
                )
            )
        note = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": partner.id,
                "company_id": company.id,
                "journal_id": journal.id,
                "currency_id": currency.id,
                "invoice_origin": ", ".join(moves.sorted("name").mapped("name")),
                "ref": self.env._("Late-payment penalties"),
                "narration": self.env._(
                    "Debit note of late-payment penalties: these amounts compensate "
                    "a late payment and are not the price of a supply, so no VAT "
                    "applies."
                ),
                "invoice_line_ids": lines,
            }
        )
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Penalties debit note"),
            "res_model": "account.move",
            "res_id": note.id,
            "view_mode": "form",
            "views": [(False, "form")],
        }

    def _get_interest_label(self, moves, category, penalties):
        title = {
            "b2b": self.env._(
                "Late-payment penalties (article L441-10 of the French Commercial Code)"
            ),
            "b2g": self.env._(
                "Moratorium interest (article L2192-13 of the French Public "
                "Procurement Code)"
            ),
            "b2c": self.env._(
                "Interest at the legal rate from the formal notice (article 1231-6 "
                "of the French Civil Code)"
            ),
        }[category]
        details = []
        for move in moves.sorted("name"):
            for first, last, days, base, rate in penalties[move.id]["periods"]:
                details.append(
                    self.env._(
                        "%(invoice)s: %(base)s × %(rate)s %% × %(days)s days "
                        "(%(first)s – %(last)s)",
                        invoice=move.name,
                        base=format_amount(self.env, base, move.currency_id),
                        rate=round(rate, 4),
                        days=days,
                        first=format_date(self.env, first),
                        last=format_date(self.env, last),
                    )
                )
        return "\n".join([title, *details])

    def _get_fee_label(self, moves, category, late_moves):
        law = (
            self.env._("article L2192-13 of the French Public Procurement Code")
            if category == "b2g"
            else self.env._("articles L441-10 and D441-5 of the French Commercial Code")
        )
        return self.env._(
            "Fixed indemnity for recovery costs, per invoice paid late (%(law)s): "
            "%(invoices)s",
            law=law,
            invoices=", ".join(late_moves.sorted("name").mapped("name")),
        )
