"""Doubtful and lost debts in the books (DOMAIN.md §4.5): the draft journal
entries of a litigation case, in the company's French chart."""

from odoo import Command, api, models
from odoo.exceptions import UserError
from odoo.tools import SQL
from odoo.tools.misc import formatLang

# account role: (code prefix searched in the chart, code named in messages)
DOUBTFUL_ACCOUNTS = {
    "doubtful": ("416", "416000"),
    "allowance": ("491", "491000"),
    "depreciation_expense": ("68174", "681740"),
    "depreciation_reversal": ("78174", "781740"),
    "loss_current_year": ("6541", "654100"),
    "loss_earlier_years": ("6544", "654400"),
    "vat_collected": ("44571", "445710"),
}


class AccountDunningDoubtful(models.AbstractModel):
    """Builds the draft entries of doubtful and lost debts for litigation cases.

    Every entry is left in draft for the accountant to review and post
    (nothing is posted here), and links itself on the case
    (`doubtful_move_id`, `depreciation_move_ids`, `writeoff_move_id`).

    Why the invoice stays open after the transfer to 416: Odoo's French chart
    ships 416000 as a current asset, not a receivable. The transfer credits the
    invoice's own receivable account (411) for the customer and debits 416000;
    its 411 line is *not* reconciled with the invoice, so the invoice keeps its
    amount due, stays "not paid" and is still followed (payments received on
    it reconcile with it as usual). The price: once posted, the unreconciled
    411 credit nets the customer's 411 balance to zero (the partner ledger and
    the customer's "total due" show nothing owed, the invoice shows it as an
    outstanding credit that must not be applied). It is matched with the
    invoice only when the debt is written off.
    """

    _name = "account.dunning.doubtful"
    _description = "Doubtful and lost debts (accounting)"

    # ------------------------------------------------------------
    # BUSINESS METHODS: the chart
    # ------------------------------------------------------------

    @api.model
    def _get_transfer_moves(self, partners):
        """The transfers to doubtful of the customers' cases: the ORM twin of
        `_get_not_transfer_sql`, for reports reading records."""
        return (
            self.env["account.dunning.litigation"]
            .search(
                [
                    ("partner_id", "in", partners.commercial_partner_id.ids),
                    ("doubtful_move_id", "!=", False),
                ]
            )
            .doubtful_move_id
        )

    @api.model
    def _get_not_transfer_sql(self, line_alias):
        """SQL: the receivable item of `line_alias` is not the 411 side of a
        transfer to doubtful. That credit only moves the debt to 416 while the
        invoice stays open: it is no credit of the customer to deduct."""
        self.env["account.dunning.litigation"].flush_model(["doubtful_move_id"])
        return SQL(
            """NOT EXISTS (SELECT 1 FROM account_dunning_litigation dl
                            WHERE dl.doubtful_move_id = %s)""",
            SQL.identifier(line_alias, "move_id"),
        )

    @api.model
    def _get_account(self, company, role):
        """The account of `role` in the company's chart, found by its code."""
        prefix, code = DOUBTFUL_ACCOUNTS[role]
        account = (
            self.env["account.account"]
            .with_company(company)
            .search(
                [
                    *self.env["account.account"]._check_company_domain(company),
                    ("code", "=like", f"{prefix}%"),
                    ("deprecated", "=", False),
                ],
                order="code",
                limit=1,
            )
        )
        if not account:
            raise UserError(
                self.env._(
                    "The chart of accounts of %(company)s has no account %(code)s: "
                    "create it (or an account whose code starts with %(prefix)s) "
                    "before recording doubtful debts.",
                    company=company.name,
                    code=code,
                    prefix=prefix,
                )
            )
        return account

    @api.model
    def _get_journal(self, company):
        journal = self.env["account.journal"].search(
            [
                *self.env["account.journal"]._check_company_domain(company),
                ("type", "=", "general"),
            ],
            limit=1,
        )
        if not journal:
            raise UserError(
                self.env._(
                    "%(company)s has no miscellaneous journal for the entries "
                    "of doubtful debts.",
                    company=company.name,
                )
            )
        return journal

    # ------------------------------------------------------------
    # BUSINESS METHODS: amounts
    # ------------------------------------------------------------

    @api.model
    def _get_open_invoices(self, case):
        return case.move_ids.filtered(
            lambda m: m.state == "posted"
            and m.move_type == "out_invoice"
            and not m.currency_id.is_zero(m.amount_residual)
        )

    @api.model
    def _get_untaxed_open(self, invoice):
        """The HT part of the invoice's open balance (company currency): the
        depreciation and the loss bear on HT only, the VAT is recovered."""
        total = invoice.amount_total_signed
        if not total:
            return 0.0
        return invoice.company_currency_id.round(
            invoice.amount_residual_signed * invoice.amount_untaxed_signed / total
        )

    @api.model
    def _get_doubtful_amounts(self, case):
        """(TTC, HT) open on the case's invoices, in company currency."""
        invoices = self._get_open_invoices(case)
        return (
            sum(invoices.mapped("amount_residual_signed")),
            sum(self._get_untaxed_open(inv) for inv in invoices),
        )

    @api.model
    def _get_depreciation(self, case):
        """The depreciation booked for the case (draft or posted entries): the
        credit balance of its 491 lines."""
        lines = case.depreciation_move_ids.filtered(
            lambda m: m.state != "cancel"
        ).line_ids.filtered(lambda line: line.account_id.code.startswith("491"))
        return case.currency_id.round(-sum(lines.mapped("balance")))

    # ------------------------------------------------------------
    # BUSINESS METHODS: the entries
    # ------------------------------------------------------------

    @api.model
    def _transfer_to_doubtful(self, cases, date):
        """Draft entries moving the cases' open invoices from 411 to 416
        (TTC), one per case; sets `doubtful_move_id`. Returns the moves.
        The invoices are not reconciled: see the class docstring."""
        for case in cases:
            if case.doubtful_move_id and case.doubtful_move_id.state != "cancel":
                raise UserError(
                    self.env._(
                        "Case %(case)s is already transferred to doubtful debts "
                        "(%(move)s).",
                        case=case.name,
                        move=case.doubtful_move_id.display_name,
                    )
                )
            if not self._get_open_invoices(case):
                raise UserError(
                    self.env._(
                        "Case %(case)s has no open invoice: nothing to transfer "
                        "to doubtful debts.",
                        case=case.name,
                    )
                )
        vals_list = [self._prepare_transfer_vals(case, date) for case in cases]
        moves = self.env["account.move"].create(vals_list)
        for case, move in zip(cases, moves, strict=True):
            case.doubtful_move_id = move
        self._log_on_cases(cases, moves)
        return moves

    @api.model
    def _prepare_transfer_vals(self, case, date):
        doubtful = self._get_account(case.company_id, "doubtful")
        partner = case.partner_id.commercial_partner_id
        lines = []
        for invoice in self._get_open_invoices(case):
            amount = invoice.amount_residual_signed
            label = self.env._(
                "Doubtful debt: %(invoice)s (%(case)s)",
                invoice=invoice.name,
                case=case.name,
            )
            receivable = invoice.line_ids.filtered(
                lambda line: line.display_type == "payment_term"
            )[:1].account_id
            lines += [
                Command.create(
                    {
                        "name": label,
                        "account_id": doubtful.id,
                        "partner_id": partner.id,
                        "currency_id": invoice.currency_id.id,
                        "amount_currency": invoice.amount_residual,
                        "debit": amount,
                    }
                ),
                # in the invoice's currency, so that it can be matched with it
                Command.create(
                    {
                        "name": label,
                        "account_id": receivable.id,
                        "partner_id": partner.id,
                        "currency_id": invoice.currency_id.id,
                        "amount_currency": -invoice.amount_residual,
                        "credit": amount,
                    }
                ),
            ]
        return {
            "move_type": "entry",
            "company_id": case.company_id.id,
            "journal_id": self._get_journal(case.company_id).id,
            "date": date,
            "ref": self.env._("%(case)s: transfer to doubtful debts", case=case.name),
            "line_ids": lines,
        }

    @api.model
    def _depreciate(self, cases, rate, date):
        """Draft entries bringing each case's depreciation to `rate` % of its
        open HT amount: a first depreciation or an increase (681740 / 491),
        or a reversal of the excess (491 / 781740). Returns the moves."""
        self._check_rate(rate)
        vals_list = []
        for case in cases:
            if not case.doubtful_move_id or case.doubtful_move_id.state == "cancel":
                raise UserError(
                    self.env._(
                        "Case %(case)s is not transferred to doubtful debts yet: "
                        "transfer it before depreciating it.",
                        case=case.name,
                    )
                )
            if case.writeoff_move_id:
                raise UserError(
                    self.env._(
                        "Case %(case)s is written off: its depreciation is closed.",
                        case=case.name,
                    )
                )
            _ttc, untaxed = self._get_doubtful_amounts(case)
            target = case.currency_id.round(untaxed * rate / 100.0)
            difference = target - self._get_depreciation(case)
            if case.currency_id.is_zero(difference):
                raise UserError(
                    self.env._(
                        "Case %(case)s is already depreciated at %(rate)s %%: "
                        "nothing to change.",
                        case=case.name,
                        rate=rate,
                    )
                )
            vals_list.append(
                self._prepare_depreciation_vals(
                    case,
                    difference,
                    date,
                    self.env._(
                        "%(case)s: depreciation at %(rate)s %% of %(base)s HT",
                        case=case.name,
                        rate=rate,
                        base=untaxed,
                    ),
                )
            )
        moves = self.env["account.move"].create(vals_list)
        for case, move in zip(cases, moves, strict=True):
            case.depreciation_move_ids = [Command.link(move.id)]
        self._log_on_cases(cases, moves)
        return moves

    @api.model
    def _check_rate(self, rate):
        if rate is None or rate is False or not 0.0 <= rate <= 100.0:
            raise UserError(
                self.env._(
                    "The depreciation rate must be between 0 and 100 %% "
                    "(got %(rate)s).",
                    rate=rate,
                )
            )

    @api.model
    def _prepare_depreciation_vals(self, case, difference, date, ref):
        """An increase (difference > 0) or a reversal (difference < 0)."""
        company = case.company_id
        allowance = self._get_account(company, "allowance")
        if difference > 0:
            counterpart = self._get_account(company, "depreciation_expense")
            debit_account, credit_account = counterpart, allowance
        else:
            counterpart = self._get_account(company, "depreciation_reversal")
            debit_account, credit_account = allowance, counterpart
        amount = abs(difference)
        partner = case.partner_id.commercial_partner_id
        return {
            "move_type": "entry",
            "company_id": company.id,
            "journal_id": self._get_journal(company).id,
            "date": date,
            "ref": ref,
            "line_ids": [
                Command.create(
                    {
                        "name": ref,
                        "account_id": debit_account.id,
                        "partner_id": partner.id,
                        "debit": amount,
                    }
                ),
                Command.create(
                    {
                        "name": ref,
                        "account_id": credit_account.id,
                        "partner_id": partner.id,
                        "credit": amount,
                    }
                ),
            ],
        }

    @api.model
    def _write_off(self, cases, date):
        """The lost debt, per case: the rectifying credit note that is also the
        write-off entry, and the reversal of the depreciation. Returns the
        credit notes (set as `writeoff_move_id`).

        One document, so the VAT is counted once: the credit note refers to
        the original invoice (rectifying invoice, CGI art. 272-1) and carries,
        per invoice, the HT amount on 654100 (debt of the write-off's fiscal
        year) or 654400 (earlier years) with the invoice's taxes, whose tax
        line debits the VAT account (445710) with the tax tags of the VAT
        return, and a line crediting 416 for the TTC amount. Its total is
        zero, so it does not touch 411: the customer's 411 is settled by
        matching the transfer's 411 line with the invoice (done here when both
        are posted, else by the accountant from the invoice's outstanding
        credits). A second plain entry debiting 445710 would count the VAT
        twice.
        """
        for case in cases:
            if case.writeoff_move_id and case.writeoff_move_id.state != "cancel":
                raise UserError(
                    self.env._(
                        "Case %(case)s is already written off (%(move)s).",
                        case=case.name,
                        move=case.writeoff_move_id.display_name,
                    )
                )
            if not case.doubtful_move_id or case.doubtful_move_id.state == "cancel":
                raise UserError(
                    self.env._(
                        "Case %(case)s is not transferred to doubtful debts: "
                        "transfer it to 416 before writing it off.",
                        case=case.name,
                    )
                )
            if not self._get_open_invoices(case):
                raise UserError(
                    self.env._(
                        "Case %(case)s has no open invoice: nothing to write off.",
                        case=case.name,
                    )
                )
        reversals = []
        credit_note_vals = []
        for case in cases:
            credit_note_vals.append(self._prepare_writeoff_vals(case, date))
            depreciation = self._get_depreciation(case)
            if not case.currency_id.is_zero(depreciation):
                reversals.append(
                    (
                        case,
                        self._prepare_depreciation_vals(
                            case,
                            -depreciation,
                            date,
                            self.env._(
                                "%(case)s: depreciation reversed (debt written off)",
                                case=case.name,
                            ),
                        ),
                    )
                )
        credit_notes = self.env["account.move"].create(credit_note_vals)
        reversal_moves = self.env["account.move"].create([v for _c, v in reversals])
        for case, credit_note in zip(cases, credit_notes, strict=True):
            case.writeoff_move_id = credit_note
        for (case, _vals), move in zip(reversals, reversal_moves, strict=True):
            case.depreciation_move_ids = [Command.link(move.id)]
        self._log_on_cases(cases, credit_notes)
        self._log_on_cases(
            self.env["account.dunning.litigation"].union(*(c for c, _v in reversals)),
            reversal_moves,
        )
        self._reconcile_transfers(cases)
        self._log_collected_since_transfer(cases)
        return credit_notes

    @api.model
    def _prepare_writeoff_vals(self, case, date):
        company = case.company_id
        doubtful = self._get_account(company, "doubtful")
        self._get_account(company, "vat_collected")
        year_start = company.compute_fiscalyear_dates(date)["date_from"]
        invoices = self._get_open_invoices(case)
        lines = []
        for invoice in invoices:
            role = (
                "loss_current_year"
                if invoice.invoice_date and invoice.invoice_date >= year_start
                else "loss_earlier_years"
            )
            loss = self._get_account(company, role)
            untaxed = self._get_untaxed_open(invoice)
            lines += [
                Command.create(
                    {
                        "name": self.env._(
                            "Lost debt on %(invoice)s of %(date)s: VAT recovered "
                            "(CGI art. 272-1)",
                            invoice=invoice.name,
                            date=invoice.invoice_date,
                        ),
                        "account_id": loss.id,
                        "quantity": 1,
                        "price_unit": untaxed,
                        "tax_ids": [Command.set(invoice.invoice_line_ids.tax_ids.ids)],
                    }
                ),
                Command.create(
                    {
                        "name": self.env._(
                            "%(invoice)s: doubtful debt written off",
                            invoice=invoice.name,
                        ),
                        "account_id": doubtful.id,
                        "quantity": 1,
                        "price_unit": -invoice.amount_residual_signed,
                        "tax_ids": [Command.clear()],
                    }
                ),
            ]
        return {
            "move_type": "out_refund",
            "company_id": company.id,
            "currency_id": company.currency_id.id,
            "journal_id": invoices[:1].journal_id.id,
            "partner_id": case.partner_id.commercial_partner_id.id,
            "invoice_date": date,
            "date": date,
            "reversed_entry_id": invoices[:1].id,
            "ref": self.env._(
                "%(case)s: rectifying invoice of %(invoices)s (lost debt)",
                case=case.name,
                invoices=", ".join(invoices.mapped("name")),
            ),
            "invoice_line_ids": lines,
        }

    @api.model
    def _log_on_cases(self, cases, moves):
        """A note in each case's chatter linking the draft entry prepared."""
        for case, move in zip(cases, moves, strict=True):
            case.message_post(
                body=self.env._(
                    "Draft entry prepared, to review and post: %(move)s",
                    move=move._get_html_link(),
                ),
                subtype_xmlid="mail.mt_note",
            )

    @api.model
    def _log_collected_since_transfer(self, cases):
        """What was collected after the transfer stays in 416 (the payments
        settle the invoice on 411): say so on the case, for the accountant to
        move it back to 411 and match it with the transfer."""
        for case in cases:
            transferred = sum(
                case.doubtful_move_id.line_ids.filtered(
                    lambda line: line.account_id.code.startswith("416")
                ).mapped("balance")
            )
            written_off = -sum(
                case.writeoff_move_id.line_ids.filtered(
                    lambda line: line.account_id.code.startswith("416")
                ).mapped("balance")
            )
            left = case.currency_id.round(transferred - written_off)
            if case.currency_id.compare_amounts(left, 0.0) > 0:
                case.message_post(
                    body=self.env._(
                        "%(amount)s collected since the transfer to doubtful "
                        "debts is still on 416: move it back to 411 and match it "
                        "with the transfer's 411 line.",
                        amount=formatLang(
                            self.env, left, currency_obj=case.currency_id
                        ),
                    ),
                    subtype_xmlid="mail.mt_note",
                )

    @api.model
    def _reconcile_transfers(self, cases):
        """Match the transfer's 411 lines with the invoices, when both are
        posted: the debt has left the books, the invoice is settled."""
        for case in cases:
            transfer = case.doubtful_move_id
            if transfer.state != "posted":
                continue
            for invoice in case.move_ids.filtered(lambda m: m.state == "posted"):
                receivable = invoice.line_ids.filtered(
                    lambda line: line.display_type == "payment_term"
                    and not line.reconciled
                )
                counterpart = transfer.line_ids.filtered(
                    lambda line, inv=invoice, rec=receivable: line.account_id
                    in rec.account_id
                    and inv.name in (line.name or "")
                    and not line.reconciled
                )
                if receivable and counterpart:
                    (receivable + counterpart).reconcile()

    @api.model
    def _get_closing_rows(self, companies, date):
        """One dict per case transferred to doubtful debts by `date` and not
        written off before it, for the closing list."""
        cases = self.env["account.dunning.litigation"].search(
            [
                ("company_id", "in", companies.ids),
                ("doubtful_move_id", "!=", False),
                ("doubtful_move_id.state", "!=", "cancel"),
                ("doubtful_move_id.date", "<=", date),
            ],
            order="date, id",
        )
        rows = []
        for case in cases:
            writeoff = case.writeoff_move_id
            if writeoff and writeoff.state != "cancel" and writeoff.date <= date:
                continue
            ttc, untaxed = self._get_doubtful_amounts(case)
            depreciation_moves = case.depreciation_move_ids.filtered(
                lambda m, day=date: m.state != "cancel" and m.date <= day
            )
            lines = depreciation_moves.line_ids.filtered(
                lambda line: line.account_id.code.startswith("491")
            )
            depreciation = -sum(lines.mapped("balance"))
            moves = case.doubtful_move_id | depreciation_moves
            rows.append(
                {
                    "case": case.name,
                    "company": case.company_id.name,
                    "partner": case.partner_id.display_name,
                    "invoices": ", ".join(case.move_ids.mapped("name")),
                    "transfer_date": case.doubtful_move_id.date,
                    "amount_ttc": ttc,
                    "amount_ht": untaxed,
                    "depreciation": depreciation,
                    "rate": depreciation / untaxed if untaxed else 0.0,
                    "net": ttc - depreciation,
                    "to_post": "draft" in moves.mapped("state"),
                    "state": dict(
                        case._fields["state"]._description_selection(self.env)
                    ).get(case.state, ""),
                    "currency": case.currency_id,
                }
            )
        return rows
