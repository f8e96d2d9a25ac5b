import io

import openpyxl

from odoo import Command, fields
from odoo.exceptions import UserError
from odoo.tests import Form, tagged

from .common import DunningCommon


@tagged("post_install", "-at_install")
class TestDoubtfulDebts(DunningCommon):
    """A 1,200.00 TTC (1,000.00 HT, VAT 20 %) invoice handed over to litigation,
    through the books (DOMAIN.md §4.5): transfer to 416, depreciation and its
    review, write-off with the rectifying credit note; every entry a draft,
    checked to the cent, as the case's Accounting page prepares them."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.vat_20 = cls.company.account_sale_tax_id
        cls.invoice = cls._create_vat_invoice(cls.customer, "2026-01-15")
        cls.case = cls.env["account.dunning.litigation"].create(
            {
                "partner_id": cls.customer.id,
                "move_ids": [Command.set(cls.invoice.ids)],
                "route": "injunction",
                "date": "2026-04-01",
            }
        )

    @classmethod
    def _create_vat_invoice(cls, partner, invoice_date):
        invoice = cls.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": partner.id,
                "invoice_date": invoice_date,
                "invoice_line_ids": [
                    Command.create(
                        {
                            "name": "Prestation",
                            "quantity": 1,
                            "price_unit": 1000.0,
                            "tax_ids": [Command.set(cls.vat_20.ids)],
                        }
                    )
                ],
            }
        )
        invoice.action_post()
        return invoice

    def _wizard(self, operation, day, case=None, **values):
        form = Form(
            self.env["account.dunning.doubtful.wizard"].with_context(
                default_case_id=(case or self.case).id, default_operation=operation
            )
        )
        form.date = day
        for name, value in values.items():
            setattr(form, name, value)
        return form.save()

    def _run(self, operation, day, case=None, **values):
        action = self._wizard(operation, day, case, **values).action_confirm()
        return self.env["account.move"].browse(action.get("res_id")) or (
            self.env["account.move"].search(action["domain"])
        )

    @staticmethod
    def _lines(move):
        """{(account code, debit, credit)} of the move's non-zero lines."""
        return sorted(
            (line.account_id.code, line.debit, line.credit)
            for line in move.line_ids
            if line.debit or line.credit
        )

    def _count_moves(self):
        return self.env["account.move"].search_count([])

    # ------------------------------------------------------------
    # The whole walk, as in the issue
    # ------------------------------------------------------------

    def test_transfer_depreciation_writeoff(self):
        self.assertEqual(self.invoice.amount_total, 1200.0)
        # transfer to doubtful debts: 1,200.00 from 411 to 416
        transfer = self._run("transfer", "2026-04-01")
        self.assertEqual(self.case.doubtful_move_id, transfer)
        self.assertEqual(transfer.state, "draft")
        self.assertEqual(transfer.date, fields.Date.to_date("2026-04-01"))
        self.assertEqual(
            self._lines(transfer), [("411100", 0.0, 1200.0), ("416000", 1200.0, 0.0)]
        )
        self.assertEqual(
            transfer.line_ids.partner_id, self.customer.commercial_partner_id
        )
        # the invoice stays open and followed, even once the transfer is posted
        transfer.action_post()
        self.assertEqual(self.invoice.payment_state, "not_paid")
        self.assertEqual(self.invoice.amount_residual, 1200.0)
        # 50 % depreciation on the HT amount: 500.00
        wizard = self._wizard("depreciate", "2026-12-31", rate=50)
        self.assertEqual(wizard.amount_total, 1200.0)
        self.assertEqual(wizard.amount_untaxed, 1000.0)
        depreciation = self.env["account.move"].browse(
            wizard.action_confirm()["res_id"]
        )
        self.assertEqual(depreciation.state, "draft")
        self.assertEqual(
            self._lines(depreciation), [("491000", 0.0, 500.0), ("681740", 500.0, 0.0)]
        )
        self.assertEqual(self.case.depreciation_move_ids, depreciation)
        # write-off of the lost debt (case closed as lost: no confirmation)
        self.case.state = "lost"
        credit_note = self._run("writeoff", "2026-12-31")
        self.assertEqual(self.case.writeoff_move_id, credit_note)
        self.assertEqual(credit_note.move_type, "out_refund")
        self.assertEqual(credit_note.state, "draft")
        self.assertEqual(credit_note.reversed_entry_id, self.invoice)
        self.assertEqual(credit_note.amount_tax, 200.0)
        self.assertEqual(credit_note.amount_total, 0.0)
        self.assertEqual(
            self._lines(credit_note),
            [("416000", 0.0, 1200.0), ("445710", 200.0, 0.0), ("654100", 1000.0, 0.0)],
        )
        # the VAT is on the VAT return (refund tags), counted once
        vat_line = credit_note.line_ids.filtered(
            lambda line: line.account_id.code == "445710"
        )
        self.assertTrue(vat_line.tax_tag_ids)
        # the depreciation reversed: 500.00 from 491 to 781740
        reversal = self.case.depreciation_move_ids - depreciation
        self.assertEqual(reversal.state, "draft")
        self.assertEqual(
            self._lines(reversal), [("491000", 500.0, 0.0), ("781740", 0.0, 500.0)]
        )
        # the transfer was posted: its 411 line now settles the invoice
        self.assertEqual(self.invoice.amount_residual, 0.0)
        # once the accountant posts everything, 416, 491 and 411 are empty
        (depreciation + credit_note + reversal).action_post()
        balances = {
            code: sum(
                self.env["account.move.line"]
                .search(
                    [
                        ("account_id.code", "=", code),
                        ("partner_id", "=", self.customer.id),
                        ("parent_state", "=", "posted"),
                    ]
                )
                .mapped("balance")
            )
            for code in ("411100", "416000", "491000", "445710", "654100")
        }
        self.assertEqual(
            balances,
            {
                "411100": 0.0,
                "416000": 0.0,
                "491000": 0.0,
                "445710": -200.0 + 200.0,
                "654100": 1000.0,
            },
        )

    def test_transfer_keeps_the_invoice_open(self):
        """The hand-over's entry point: the invoice is not reconciled."""
        moves = self.env["account.dunning.doubtful"]._transfer_to_doubtful(
            self.case, fields.Date.to_date("2026-04-01")
        )
        self.assertEqual(self.case.doubtful_move_id, moves)
        self.assertEqual(moves.state, "draft")
        # the case's chatter links the draft entry
        self.assertRegex(
            str(self.case.message_ids[0].body), rf"data-oe-id=.{moves.id}\b"
        )
        self.assertEqual(self.invoice.payment_state, "not_paid")
        self.assertEqual(self.invoice.amount_residual, 1200.0)
        self.assertFalse(moves.line_ids.matched_debit_ids)
        self.assertFalse(moves.line_ids.matched_credit_ids)
        # a second transfer is refused, nothing written
        count = self._count_moves()
        with self.assertRaisesRegex(UserError, "already transferred"):
            self._run("transfer", "2026-04-02")
        self.assertEqual(self._count_moves(), count)

    def test_transfer_is_no_credit_of_the_customer(self):
        """Posted, the transfer's 411 credit is not deducted from what the
        customer owes: letters, the page and the file still claim 1,200.00."""
        moves = self.env["account.dunning.doubtful"]._transfer_to_doubtful(
            self.case, fields.Date.to_date("2026-04-01")
        )
        moves.action_post()
        credits = self.env["account.dunning.claim"]._read_open_credits(
            self.company, self.customer.ids, fields.Date.to_date("2026-04-02")
        )
        self.assertFalse(credits.get(self.customer.id))
        self.assertEqual(self.invoice.amount_residual, 1200.0)
        statement = self.env[
            "report.account_dunning.report_dunning_statement"
        ]._get_report_values(self.customer.ids)
        self.assertEqual(statement["statements"][self.customer.id]["balance"], 1200.0)

    def test_review_increase_then_reversal(self):
        self._run("transfer", "2026-04-01")
        first = self._run("depreciate", "2026-06-30", rate=50)
        wizard = self._wizard("depreciate", "2026-09-30", rate=80)
        self.assertEqual(wizard.depreciation, 500.0)
        self.assertEqual(wizard.depreciation_rate, 50.0)
        increase = self.env["account.move"].browse(wizard.action_confirm()["res_id"])
        self.assertEqual(
            self._lines(increase), [("491000", 0.0, 300.0), ("681740", 300.0, 0.0)]
        )
        reversal = self._run("depreciate", "2026-12-31", rate=30)
        self.assertEqual(
            self._lines(reversal), [("491000", 500.0, 0.0), ("781740", 0.0, 500.0)]
        )
        self.assertEqual(self.case.depreciation_move_ids, first + increase + reversal)
        self.assertEqual(
            set(self.case.depreciation_move_ids.mapped("state")), {"draft"}
        )
        # the same rate again changes nothing: refused
        with self.assertRaisesRegex(UserError, "nothing to change"):
            self._run("depreciate", "2026-12-31", rate=30)

    def test_writeoff_earlier_year_and_confirmation(self):
        """A debt of an earlier year goes to 654400; while the case is not
        closed as lost, the write-off needs the explicit confirmation."""
        self._run("transfer", "2026-04-01")
        count = self._count_moves()
        with self.assertRaisesRegex(UserError, "not closed as lost"):
            self._run("writeoff", "2027-03-31")
        self.assertFalse(self.case.writeoff_move_id)
        self.assertEqual(self._count_moves(), count)
        credit_note = self._run("writeoff", "2027-03-31", confirm_collectible=True)
        self.assertEqual(
            self._lines(credit_note),
            [("416000", 0.0, 1200.0), ("445710", 200.0, 0.0), ("654400", 1000.0, 0.0)],
        )
        # no depreciation booked: nothing to reverse
        self.assertFalse(self.case.depreciation_move_ids)
        # the transfer is still a draft: the invoice waits for the accountant
        self.assertEqual(self.invoice.amount_residual, 1200.0)
        with self.assertRaisesRegex(UserError, "already written off"):
            self._run("writeoff", "2027-03-31", confirm_collectible=True)

    def test_writeoff_after_partial_payment(self):
        """200.00 collected after the transfer: the write-off bears on the
        1,000.00 still open (833.33 HT + 166.67 VAT) and the case says what
        is left on 416."""
        self._run("transfer", "2026-04-01").action_post()
        self._pay(self.invoice, amount=200.0, day="2026-05-01")
        self.assertEqual(self.invoice.amount_residual, 1000.0)
        self.case.state = "lost"
        credit_note = self._run("writeoff", "2026-12-31")
        self.assertEqual(
            self._lines(credit_note),
            [("416000", 0.0, 1000.0), ("445710", 166.67, 0.0), ("654100", 833.33, 0.0)],
        )
        self.assertEqual(credit_note.amount_total, 0.0)
        self.assertIn(
            "still on 416",
            str(self.case.message_ids[0].body),
        )

    # ------------------------------------------------------------
    # Refusals: plain message, nothing written
    # ------------------------------------------------------------

    def test_rate_outside_0_100_refused(self):
        self._run("transfer", "2026-04-01")
        count = self._count_moves()
        for rate in (120, -5):
            with self.assertRaisesRegex(UserError, "between 0 and 100"):
                self._run("depreciate", "2026-12-31", rate=rate)
        self.assertFalse(self.case.depreciation_move_ids)
        self.assertEqual(self._count_moves(), count)

    def test_missing_account_refused(self):
        self._run("transfer", "2026-04-01")
        account = self.env["account.account"].search(
            [
                *self.env["account.account"]._check_company_domain(self.company),
                ("code", "=", "681740"),
            ]
        )
        account.code = "689990"
        count = self._count_moves()
        with self.assertRaisesRegex(UserError, "has no account 681740"):
            self._run("depreciate", "2026-12-31", rate=50)
        self.assertFalse(self.case.depreciation_move_ids)
        self.assertEqual(self._count_moves(), count)

    def test_depreciation_before_transfer_refused(self):
        count = self._count_moves()
        with self.assertRaisesRegex(UserError, "not transferred to doubtful"):
            self._run("depreciate", "2026-12-31", rate=50)
        with self.assertRaisesRegex(UserError, "not transferred to doubtful"):
            self._run("writeoff", "2026-12-31", confirm_collectible=True)
        self.assertEqual(self._count_moves(), count)

    def test_paid_invoice_not_transferred(self):
        self._pay(self.invoice, day="2026-03-01")
        with self.assertRaisesRegex(UserError, "no open invoice"):
            self._run("transfer", "2026-04-01")
        self.assertFalse(self.case.doubtful_move_id)

    # ------------------------------------------------------------
    # The closing list
    # ------------------------------------------------------------

    def test_closing_list_xlsx(self):
        self._run("transfer", "2026-04-01")
        self._run("depreciate", "2026-12-31", rate=50)
        export = self.env["account.dunning.doubtful.export"].create(
            {"date": "2026-12-31"}
        )
        action = export.action_export()
        self.assertIn(f"/web/content/{export.attachment_id.id}", action["url"])
        sheet = openpyxl.load_workbook(io.BytesIO(export.attachment_id.raw)).active
        rows = list(sheet.iter_rows(values_only=True))
        self.assertEqual(
            rows[0][:10],
            (
                "Case",
                "Company",
                "Customer",
                "Invoices",
                "Transferred on",
                "Doubtful (tax incl.)",
                "Doubtful (tax excl.)",
                "Depreciation rate",
                "Depreciation",
                "Net value",
            ),
        )
        self.assertEqual(len(rows), 2)
        row = rows[1]
        self.assertEqual(row[0], self.case.name)
        self.assertEqual(row[3], self.invoice.name)
        self.assertEqual(row[4].date(), fields.Date.to_date("2026-04-01"))
        self.assertEqual(row[5:10], (1200.0, 1000.0, 0.5, 500.0, 700.0))
        self.assertEqual(row[11], "Yes")
        # before the depreciation's date: none yet; before the transfer: empty
        export = self.env["account.dunning.doubtful.export"].create(
            {"date": "2026-06-30"}
        )
        export.action_export()
        sheet = openpyxl.load_workbook(io.BytesIO(export.attachment_id.raw)).active
        self.assertEqual(list(sheet.iter_rows(values_only=True))[1][8], 0.0)
        export = self.env["account.dunning.doubtful.export"].create(
            {"date": "2026-03-31"}
        )
        with self.assertRaisesRegex(UserError, "nothing to export"):
            export.action_export()
