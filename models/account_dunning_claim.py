from collections import defaultdict

from odoo import api, fields, models
from odoo.tools import SQL, float_compare, float_round

from ..lib.snapshot import Credit


class AccountDunningClaim(models.AbstractModel):
    """What a reminder claims: the invoices it lists less the customer's open
    credits (credit notes, payments not yet matched), each currency apart.
    The night's amount due, the letter and the email all count it here, so
    they say the same (`_get_claim` gives the rule)."""

    _name = "account.dunning.claim"
    _description = "Amount claimed by a reminder"

    @api.model
    def _read_open_credits(self, company, partner_ids, date):
        """{customer id: [Credit]}: the customers' open credit notes and
        payments not yet matched with an invoice (open receivable items with a
        negative residual) posted on or before `date`, oldest first, one
        query. Amounts are what is left of each, positive."""
        partner_ids = [pid for pid in partner_ids if isinstance(pid, int)]
        if not partner_ids:
            return {}
        self.env["account.move.line"].flush_model()
        self.env["account.move"].flush_model()
        self.env.cr.execute(
            SQL(
                """
                SELECT p.commercial_partner_id, l.id, l.move_id, m.name,
                       NULLIF(m.ref, ''), l.date,
                       CASE WHEN m.move_type = 'out_refund' THEN 'credit_note'
                            WHEN m.origin_payment_id IS NOT NULL
                              OR m.statement_line_id IS NOT NULL THEN 'payment'
                            ELSE 'other' END,
                       l.currency_id, -l.amount_residual_currency, -l.amount_residual
                  FROM account_move_line l
                  JOIN account_account a ON a.id = l.account_id
                  JOIN res_partner p ON p.id = l.partner_id
                  JOIN account_move m ON m.id = l.move_id
                 WHERE l.company_id = %(company)s
                   AND p.commercial_partner_id = ANY(%(partners)s)
                   AND a.account_type = 'asset_receivable'
                   AND l.parent_state = 'posted'
                   AND NOT l.reconciled
                   AND l.amount_residual < 0
                   AND l.date <= %(date)s
                   AND %(not_transfer)s
              ORDER BY p.commercial_partner_id, l.date, l.id
                """,
                not_transfer=self.env["account.dunning.doubtful"]._get_not_transfer_sql(
                    "l"
                ),
                company=company.id,
                partners=partner_ids,
                date=date,
            )
        )
        credits = defaultdict(list)
        for row in self.env.cr.fetchall():
            credits[row[0]].append(Credit(*row[1:8], float(row[8]), float(row[9])))
        return dict(credits)

    @api.model
    def _get_claim(self, invoices, credits, company_currency):
        """What a reminder claims: ({currency id: amounts}, `amount_due`).

        `invoices` are the invoices the reminder lists and `credits` the
        customer's open credits (`_read_open_credits`), each as (currency id,
        amount left in that currency, amount left in the company currency),
        amounts positive. Per currency: `principal` (the invoices' balances),
        `credits`, `deducted`, `net` (claimed) and `favour` (credit left over),
        in that currency; `amount_due` is the total of the nets in the company
        currency, the reminder's `amount_due`.

        The rule, so that the letter, the email and the history say the same:

        - A reminder claims the invoices it lists (those reaching a level that
          night), never one it does not list: an overdue invoice that waits
          for its next level, or is disputed, promised, excluded, is neither
          listed nor claimed.
        - Every open credit of the customer (credit note, payment not yet
          matched) is deducted, in full, from the total of the invoices listed:
          a payment that names no invoice goes to the debts due first (C. civ.
          1342-10), and a reminder must never claim money the customer may
          already have paid. The deduction is made on the total, not invoice
          by invoice: a credit larger than an invoice reduces the next ones,
          and the letter lists the credits as deductions rather than guessing
          which invoice each one settles.
        - Each currency apart: a credit is deducted from the invoices of its
          own currency only (no conversion in a claim). When the credits of a
          currency exceed its invoices, nothing is claimed in it and the rest
          is shown as a credit in the customer's favour; it is not set against
          another currency.
        - Nothing claimed at all (the credits cover every invoice listed): no
          reminder, the customer is to reconcile.
        - Penalties stay computed per invoice on its own unpaid balance
          (DOMAIN.md §1: an unmatched credit does not reduce an invoice's
          interest); the letter adds them to the net principal.

        In the company currency, a currency's net is its invoices less its
        credits at their own rates (as the receivable balance counts them),
        or nothing when its credits exceed its invoices.
        """
        Currency = self.env["res.currency"]
        totals = {}
        for sign, items in ((1, invoices), (-1, credits)):
            for currency_id, amount, amount_company in items:
                total = totals.setdefault(currency_id, [0.0, 0.0, 0.0, 0.0])
                offset = 0 if sign > 0 else 2
                total[offset] += amount
                total[offset + 1] += amount_company
        claims = {}
        amount_due = 0.0
        for currency_id, (principal, principal_co, credit, credit_co) in sorted(
            totals.items(), key=lambda item: item[0] != company_currency.id
        ):
            # the night counts thousands of claims: the currency's rounding is
            # read once, not through currency.round() for each amount
            rounding = Currency.browse(currency_id).rounding
            principal = float_round(principal, precision_rounding=rounding)
            credit = float_round(credit, precision_rounding=rounding)
            deducted = min(principal, credit)
            claims[currency_id] = {
                "principal": principal,
                "credits": credit,
                "deducted": deducted,
                "net": float_round(principal - deducted, precision_rounding=rounding),
                "favour": float_round(credit - deducted, precision_rounding=rounding),
            }
            if float_compare(credit, principal, precision_rounding=rounding) < 0:
                amount_due += max(principal_co - credit_co, 0.0)
        return claims, company_currency.round(amount_due)

    @api.model
    def _get_action_claims(self, actions):
        """{reminder id: [claim per currency]} of reminders, the company
        currency first, from their invoice lines and the credits kept with
        them (an unsaved reminder, the "Relancer" preview, deducts the
        customer's open credits as of its date). Each claim: `currency`,
        `lines` (the reminder's lines in it), `credit_items` (dicts to print:
        `kind`, `name`, `ref`, `date`, `amount`), and the amounts of
        `_get_claim`."""
        kinds = dict(
            self.env["account.dunning.action.credit"]
            ._fields["kind"]
            ._description_selection(self.env)
        )
        result = {}
        for action in actions:
            company_currency = (
                action.company_id.currency_id or self.env.company.currency_id
            )
            if isinstance(action.id, int):
                credits = [
                    Credit(
                        credit.id,
                        credit.move_id.id,
                        credit.name,
                        credit.ref,
                        credit.date,
                        credit.kind,
                        credit.currency_id.id,
                        credit.amount,
                        credit.amount_company,
                    )
                    for credit in action.credit_ids
                ]
            else:
                credits = self._read_open_credits(
                    action.company_id or self.env.company,
                    action.partner_id.ids,
                    action.date or fields.Date.context_today(self),
                ).get(action.partner_id.id, [])
            lines = action.line_ids
            claims, _amount_due = self._get_claim(
                [(line.currency_id.id, line.amount_residual, 0.0) for line in lines],
                [(c.currency_id, c.amount, c.amount_company) for c in credits],
                company_currency,
            )
            Currency = self.env["res.currency"]
            result[action.id] = [
                dict(
                    amounts,
                    currency=Currency.browse(currency_id),
                    lines=lines.filtered(
                        lambda line, cid=currency_id: line.currency_id.id == cid
                    ),
                    credit_items=[
                        {
                            "kind": kinds.get(credit.kind, ""),
                            "name": credit.name,
                            "ref": credit.ref,
                            "date": credit.date,
                            "amount": credit.amount,
                        }
                        for credit in credits
                        if credit.currency_id == currency_id
                    ],
                )
                for currency_id, amounts in claims.items()
            ]
        return result
