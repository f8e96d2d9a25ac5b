import calendar
from datetime import date, timedelta

from odoo import Command, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, format_amount, format_date

from .account_dunning_action import VALIDATED_STATES

# Points added to the ECB rate: L441-10 II (professionals), R2192-31 (public buyers).
B2B_MARGIN = 10.0
B2G_MARGIN = 8.0
# Legal payment periods of public buyers, in days from the invoice (R2192-10/11).
B2G_TERM_DAYS = 30
HOSPITAL_TERM_DAYS = 50


def _semester_start(day):
    return date(day.year, 1 if day.month <= 6 else 7, 1)


def _next_semester_start(day):
    start = _semester_start(day)
    return date(start.year, 7, 1) if start.month == 1 else date(start.year + 1, 1, 1)


def _split_by_semester(first, last):
    """Yield (first, last) day ranges of [first, last] cut at 1 January / 1 July."""
    while first <= last:
        end = min(last, _next_semester_start(first) - timedelta(days=1))
        yield first, end
        first = end + timedelta(days=1)


class AccountMove(models.Model):
    _inherit = "account.move"

    dunning_interest_amount = fields.Monetary(
        string="Late-payment interest",
        compute="_compute_dunning_penalties",
        help="Interest owed today for late payment: ECB rate + 10 points (or the "
        "contractual rate) for a professional, ECB rate + 8 points for a public "
        "buyer, legal rate from the formal notice for a private person.",
    )
    dunning_fixed_fee = fields.Monetary(
        string="Recovery indemnity",
        compute="_compute_dunning_penalties",
        help="Fixed indemnity for recovery costs owed by a professional or public "
        "customer for an invoice paid late (40 € per invoice).",
    )

    @api.depends(
        "state",
        "move_type",
        "amount_residual",
        "invoice_date_due",
        "commercial_partner_id",
        "commercial_partner_id.dunning_proceedings",
        "commercial_partner_id.dunning_proceedings_date",
    )
    @api.depends_context("dunning_penalty_date")
    def _compute_dunning_penalties(self):
        on_date = self.env.context.get("dunning_penalty_date")
        origins = self._origin
        penalties = origins._get_dunning_penalties(on_date) if origins else {}
        for move in self:
            values = penalties.get(move._origin.id, {})
            move.dunning_interest_amount = values.get("interest", 0.0)
            move.dunning_fixed_fee = values.get("fixed_fee", 0.0)

    # ------------------------------------------------------------
    # ACTION METHODS
    # ------------------------------------------------------------

    def action_dunning_claim_penalties(self):
        """Draft debit note of the penalties of the selected invoices: one line of
        interest, one line of fixed indemnities, no tax (damages, not a supply)."""
        _ = self.env._
        if not self:
            raise UserError(_("Select the invoices whose penalties you claim."))
        wrong = self.filtered(
            lambda m: m.move_type != "out_invoice" or m.state != "posted"
        )
        if wrong:
            raise UserError(
                _(
                    "Penalties can only be claimed on posted customer invoices: "
                    "%(moves)s.",
                    moves=", ".join(wrong.mapped("display_name")),
                )
            )
        partner = self.commercial_partner_id
        if len(partner) > 1:
            raise UserError(
                _(
                    "Penalties are claimed from one customer at a time, and the "
                    "selected invoices belong to several customers (%(customers)s). "
                    "Select the invoices of a single customer.",
                    customers=", ".join(partner.mapped("display_name")),
                )
            )
        if len(self.company_id) > 1 or len(self.currency_id) > 1:
            raise UserError(
                _(
                    "Select invoices of one company and in one currency to claim "
                    "their penalties together."
                )
            )
        if partner.dunning_proceedings:
            raise UserError(
                _(
                    "%(customer)s is in collective proceedings: penalties and "
                    "indemnities cannot be claimed from them; declare the claim to "
                    "the court-appointed representative instead.",
                    customer=partner.display_name,
                )
            )
        today = fields.Date.context_today(self)
        penalties = self._get_dunning_penalties(today)
        missing = sorted({d for v in penalties.values() for d in v["missing_rates"]})
        if missing:
            raise UserError(
                _(
                    "No reference rate is recorded for %(dates)s: add it under "
                    "Configuration > Reminders > Reference rates, then claim again.",
                    dates=", ".join(format_date(self.env, d) for d in missing),
                )
            )
        company = self.company_id
        currency = self.currency_id
        interest = currency.round(sum(v["interest"] for v in penalties.values()))
        fees = currency.round(sum(v["fixed_fee"] for v in penalties.values()))
        if currency.is_zero(interest) and currency.is_zero(fees):
            raise UserError(
                _(
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
                _("Set an income account on a sales journal to claim penalties.")
            )
        category = partner.dunning_debtor_category or "b2b"
        lines = []
        if not currency.is_zero(interest):
            lines.append(
                Command.create(
                    {
                        "name": self._dunning_interest_label(category, penalties),
                        "quantity": 1,
                        "price_unit": interest,
                        "account_id": journal.default_account_id.id,
                        "tax_ids": [Command.clear()],
                    }
                )
            )
        if not currency.is_zero(fees):
            late = self.filtered(lambda m: penalties[m.id]["fixed_fee"])
            lines.append(
                Command.create(
                    {
                        "name": self._dunning_fee_label(category, late),
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
                "invoice_origin": ", ".join(self.sorted("name").mapped("name")),
                "ref": _("Late-payment penalties"),
                "narration": _(
                    "Debit note of late-payment penalties: these amounts compensate "
                    "a late payment and are not the price of a supply, so no VAT "
                    "applies."
                ),
                "invoice_line_ids": lines,
            }
        )
        return {
            "type": "ir.actions.act_window",
            "name": _("Penalties debit note"),
            "res_model": "account.move",
            "res_id": note.id,
            "view_mode": "form",
            "views": [(False, "form")],
        }

    def _dunning_interest_label(self, category, penalties):
        _ = self.env._
        title = {
            "b2b": _(
                "Late-payment penalties (article L441-10 of the French Commercial Code)"
            ),
            "b2g": _(
                "Moratorium interest (article L2192-13 of the French Public "
                "Procurement Code)"
            ),
            "b2c": _(
                "Interest at the legal rate from the formal notice (article 1231-6 "
                "of the French Civil Code)"
            ),
        }[category]
        details = []
        for move in self.sorted("name"):
            for first, last, days, base, rate in penalties[move.id]["periods"]:
                details.append(
                    _(
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

    def _dunning_fee_label(self, category, late_moves):
        _ = self.env._
        law = (
            _("article L2192-13 of the French Public Procurement Code")
            if category == "b2g"
            else _("articles L441-10 and D441-5 of the French Commercial Code")
        )
        return _(
            "Fixed indemnity for recovery costs, per invoice paid late (%(law)s): "
            "%(invoices)s",
            law=law,
            invoices=", ".join(late_moves.sorted("name").mapped("name")),
        )

    # ------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------

    def _get_dunning_penalties(self, on_date=None):
        """Late-payment penalties owed on `on_date` (default today), per invoice id:
        {interest, fixed_fee, periods: [(first, last, days, base, rate)],
        missing_rates: [dates without a reference rate]}.

        A constant number of queries for the whole recordset: the payments, the
        rate table and the formal notices are each read once."""
        on_date = fields.Date.to_date(on_date) or fields.Date.context_today(self)
        result = {
            move.id: {
                "interest": 0.0,
                "fixed_fee": 0.0,
                "periods": [],
                "missing_rates": [],
            }
            for move in self
        }
        moves = self.filtered(
            lambda m: m.move_type == "out_invoice"
            and m.state == "posted"
            and m.invoice_date_due
        )
        if not moves:
            return result
        Rate = self.env["account.dunning.rate"]
        table = Rate._get_rate_table()
        payments = moves._get_dunning_payments()
        private = moves.filtered(
            lambda m: m.commercial_partner_id.dunning_debtor_category == "b2c"
        )
        notices = private._get_dunning_formal_notice_dates() if private else {}
        for move in moves:
            partner = move.commercial_partner_id
            if partner._is_dunning_in_proceedings(on_date):
                # T12: nothing may be claimed from the debtor any more, neither
                # interest nor indemnity; the claim goes to the representative.
                continue
            company = move.company_id
            currency = move.currency_id
            category = partner.dunning_debtor_category or "b2b"
            policy = (
                partner.with_company(company).dunning_policy_id
                or company.dunning_policy_id
            )
            start = move._dunning_interest_start(category, notices)
            if not start:
                continue
            segments = move._dunning_unpaid_ranges(
                start, payments.get(move.id, ()), on_date
            )
            if not segments:
                continue
            contract_rate = partner.dunning_contract_rate or policy.contract_rate
            split = policy.semester_split if policy else True
            first_semester = _semester_start(start + timedelta(days=1))
            leap_366 = bool(policy and policy.leap_year_366)
            total = 0.0
            values = result[move.id]
            for first, last, base in segments:
                for piece_first, piece_last in _split_by_semester(first, last):
                    rate = self._dunning_rate(
                        table,
                        category,
                        contract_rate,
                        _semester_start(piece_first)
                        if split and category != "b2g"
                        else first_semester,
                    )
                    if rate is None:
                        values["missing_rates"].append(_semester_start(piece_first))
                        continue
                    days = (piece_last - piece_first).days + 1
                    basis = (
                        366 if leap_366 and calendar.isleap(piece_first.year) else 365
                    )
                    total += base * rate / 100.0 * days / basis
                    values["periods"].append(
                        (piece_first, piece_last, days, base, rate)
                    )
            values["interest"] = currency.round(total)
            if category in ("b2b", "b2g"):
                values["fixed_fee"] = company.currency_id._convert(
                    company.dunning_fixed_fee_amount, currency, company, on_date
                )
        return result

    def _dunning_interest_start(self, category, notices):
        """Last day before interest runs: the due date; for a public buyer not
        before the end of the legal payment period; for a private person the
        formal notice (None without one)."""
        self.ensure_one()
        partner = self.commercial_partner_id
        start = self.invoice_date_due
        if category == "b2g" and self.invoice_date:
            term = (
                HOSPITAL_TERM_DAYS if partner.dunning_public_hospital else B2G_TERM_DAYS
            )
            start = max(start, self.invoice_date + timedelta(days=term))
        elif category == "b2c":
            notice = notices.get(self.id)
            start = notice and max(start, notice)
        return start

    def _dunning_unpaid_ranges(self, start, payments, on_date):
        """[(first day, last day, unpaid amount)] after `start` up to `on_date`: a
        new range at each payment, the payment day still counting on the balance
        before it."""
        self.ensure_one()
        currency = self.currency_id
        ranges = []
        balance = self.amount_total
        cursor = start
        for pay_date, amount in payments:
            if pay_date > on_date:
                break
            if pay_date > cursor:
                if currency.compare_amounts(balance, 0) > 0:
                    ranges.append((cursor + timedelta(days=1), pay_date, balance))
                cursor = pay_date
            balance -= amount
        if currency.compare_amounts(balance, 0) > 0 and on_date > cursor:
            ranges.append((cursor + timedelta(days=1), on_date, balance))
        return ranges

    @api.model
    def _dunning_rate(self, table, category, contract_rate, semester):
        """Annual rate (percent) for days of `semester` (its first day), None when
        the table has no reference rate for it.

        Professional: the contractual rate, else the ECB rate of the semester + 10
        points. Public buyer: the ECB rate of the semester in which interest started
        + 8 points, for the whole delay (the caller passes that semester). Private
        person: the legal rate of the semester ("other cases": the creditor is a
        business)."""
        Rate = self.env["account.dunning.rate"]
        if category == "b2b" and contract_rate:
            return contract_rate
        if category == "b2c":
            return Rate._lookup(table, "legal_business", semester)
        ecb = Rate._lookup(table, "ecb_mro", semester)
        if ecb is None:
            return None
        return ecb + (B2G_MARGIN if category == "b2g" else B2B_MARGIN)

    def _get_dunning_payments(self):
        """{move id: [(date, amount in the invoice currency)]} by date: what was
        matched with the receivable lines, on the date of the partial matching."""
        if not self.ids:
            return {}
        self.env["account.move.line"].flush_model(["move_id", "display_type"])
        self.env["account.partial.reconcile"].flush_model(
            ["debit_move_id", "max_date", "debit_amount_currency"]
        )
        self.env.cr.execute(
            SQL(
                """
                SELECT l.move_id, p.max_date, SUM(p.debit_amount_currency)
                  FROM account_move_line l
                  JOIN account_partial_reconcile p ON p.debit_move_id = l.id
                 WHERE l.move_id IN %(moves)s
                   AND l.display_type = 'payment_term'
              GROUP BY l.move_id, p.max_date
              ORDER BY l.move_id, p.max_date
                """,
                moves=tuple(self.ids),
            )
        )
        payments = {}
        for move_id, pay_date, amount in self.env.cr.fetchall():
            payments.setdefault(move_id, []).append((pay_date, amount))
        return payments

    def _get_dunning_formal_notice_dates(self):
        """{move id: date of its first formal notice sent or waiting to be printed}."""
        # sudo: the date of a sent notice is needed by whoever reads the invoice
        rows = (
            self.env["account.dunning.action.line"]
            .sudo()
            ._read_group(
                [
                    ("move_id", "in", self.ids),
                    ("level_id.is_formal_notice", "=", True),
                    ("state", "in", VALIDATED_STATES),
                ],
                ["move_id"],
                ["date:min"],
            )
        )
        return {move.id: day for move, day in rows if day}
