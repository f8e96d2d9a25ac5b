import calendar
from datetime import date, timedelta

from odoo import api, fields, models
from odoo.tools import SQL

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


class AccountDunningLatePayment(models.AbstractModel):
    """Late-payment penalties owed on invoices (DOMAIN.md §1): interest by
    semester over the unpaid balance after each partial payment, and the fixed
    recovery indemnity. The invoice's penalty fields, its *Claim penalties*
    debit note, the letters and the payment schedules all compute here."""

    _name = "account.dunning.late.payment"
    _description = "Late-payment penalties"

    @api.model
    def _compute_penalties(self, moves, on_date=None):
        """Late-payment penalties of the invoices `moves` owed on `on_date`
        (default today), per invoice id:
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
            for move in moves
        }
        moves = moves.filtered(
            lambda m: m.move_type == "out_invoice"
            and m.state == "posted"
            and m.invoice_date_due
        )
        if not moves:
            return result
        Rule = self.env["account.dunning.rule"]
        table = self.env["account.dunning.rate"]._get_rate_table()
        payments = self._read_payments(moves)
        private = moves.filtered(
            lambda m: m.commercial_partner_id.dunning_debtor_category == "b2c"
        )
        notices = self._read_formal_notice_dates(private) if private else {}
        for move in moves:
            partner = move.commercial_partner_id
            if Rule._is_in_proceedings(partner, on_date):
                # T12: nothing may be claimed from the debtor any more, neither
                # interest nor indemnity; the claim goes to the representative.
                continue
            company = move.company_id
            currency = move.currency_id
            category = partner.dunning_debtor_category or "b2b"
            policy = partner._get_dunning_policy(company)
            start = self._get_interest_start(move, category, notices)
            if not start:
                continue
            segments = self._get_unpaid_ranges(
                move, start, payments.get(move.id, ()), on_date
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
                    rate = self._get_rate(
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
                # The indemnity is a sum in the company's currency (40 €) owed
                # from the first day of delay: an invoice in another currency
                # owes it converted at that day's rate, the same on every
                # letter, whatever the day it is claimed.
                values["fixed_fee"] = company.currency_id._convert(
                    company.dunning_fixed_fee_amount,
                    currency,
                    company,
                    min(start + timedelta(days=1), on_date),
                )
        return result

    @api.model
    def _get_interest_start(self, move, category, notices):
        """Last day before interest runs: the due date; for a public buyer not
        before the end of the legal payment period; for a private person the
        formal notice, on its date of receipt when it left by registered mail
        (None without one, or while awaiting its receipt)."""
        partner = move.commercial_partner_id
        start = move.invoice_date_due
        if category == "b2g" and move.invoice_date:
            term = (
                HOSPITAL_TERM_DAYS if partner.dunning_public_hospital else B2G_TERM_DAYS
            )
            start = max(start, move.invoice_date + timedelta(days=term))
        elif category == "b2c":
            notice = notices.get(move.id)
            start = notice and max(start, notice)
        return start

    @api.model
    def _get_unpaid_ranges(self, move, start, payments, on_date):
        """[(first day, last day, unpaid amount)] after `start` up to `on_date`: a
        new range at each payment, the payment day still counting on the balance
        before it."""
        currency = move.currency_id
        ranges = []
        balance = move.amount_total
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
    def _get_rate(self, table, category, contract_rate, semester):
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

    @api.model
    def _read_payments(self, moves):
        """{move id: [(date, amount in the invoice currency)]} by date: what was
        matched with the receivable lines, on the date of the partial matching."""
        if not moves.ids:
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
                moves=tuple(moves.ids),
            )
        )
        payments = {}
        for move_id, pay_date, amount in self.env.cr.fetchall():
            payments.setdefault(move_id, []).append((pay_date, amount))
        return payments

    @api.model
    def _read_formal_notice_dates(self, moves):
        """{move id: the day its first formal notice (sent or waiting to be
        printed) starts interest}: a notice sent by registered mail on its
        date of receipt, none while awaiting it; another notice on its date."""
        # sudo: the date of a sent notice is needed by whoever reads the invoice
        lines = (
            self.env["account.dunning.action.line"]
            .sudo()
            .search_fetch(
                [
                    ("move_id", "in", moves.ids),
                    ("level_id.is_formal_notice", "=", True),
                    ("state", "in", VALIDATED_STATES),
                ],
                ["move_id", "action_id"],
            )
        )
        lines.action_id.fetch(["date", "registered_mail_mode", "received_date"])
        dates = {}
        for line in lines:
            notice = line.action_id
            day = notice.received_date if notice.registered_mail_mode else notice.date
            if day:
                move_id = line.move_id.id
                dates[move_id] = min(day, dates.get(move_id, day))
        return dates
