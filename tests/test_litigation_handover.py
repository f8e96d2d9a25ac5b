import io
import zipfile
from datetime import date, datetime, time, timedelta

from freezegun import freeze_time

from odoo import Command
from odoo.api import call_kw
from odoo.exceptions import UserError, ValidationError
from odoo.tests import Form, tagged

from .common import DunningCommon


@tagged("post_install", "-at_install")
class TestLitigationHandover(DunningCommon):
    """Handing a customer over to litigation once its formal notice's deadline
    has passed: the wizard, the refusals, no more amicable reminders, the
    case's payments, closing and cancelling."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.due = date(2026, 3, 2)
        cls.invoice = cls._create_invoice(cls.customer, cls.due, amount=1200.0)
        # the formal notice went out 30 days after the due date
        cls.notice_day = date(2026, 4, 1)
        cls._set_level(cls.invoice, cls.level_notice, day=cls.notice_day)
        cls.notice = cls.env["account.dunning.action"].search(
            [
                ("partner_id", "=", cls.customer.id),
                ("level_id", "=", cls.level_notice.id),
            ]
        )
        cls.agent = cls.env["res.partner"].create(
            {"name": "Cabinet Recouvrement Rhône", "is_company": True}
        )
        cls.day = date(2026, 5, 4)
        cls.Case = cls.env["account.dunning.litigation"]
        cls.Wizard = cls.env["account.dunning.litigation.wizard"]

    def _frozen(self, day):
        return freeze_time(datetime.combine(day, time(12, 0)))

    def _queue_row(self, partner=None):
        """The customer's row as a new request reads it."""
        self.env.flush_all()
        self.env.invalidate_all()
        return self.env["account.dunning.queue"].search(
            [("partner_id", "=", (partner or self.customer).id)]
        )

    def _hand_over(self, partner=None, moves=None, route="agency", day=None, **vals):
        """A hand-over through the wizard as the customer's form opens it."""
        action = (partner or self.customer).action_dunning_hand_over()
        form = Form(self.env[action["res_model"]].with_context(**action["context"]))
        form.route = route
        form.agent_id = self.agent
        form.date = day or self.day
        if moves is not None:
            form.move_ids.clear()
            for move in moves:
                form.move_ids.add(move)
        for name, value in vals.items():
            setattr(form, name, value)
        wizard = form.save()
        result = wizard.action_confirm()
        return self.Case.browse(result["res_id"])

    # ------------------------------------------------------------------
    # Handing over
    # ------------------------------------------------------------------

    def test_queue_proposes_hand_over_after_the_deadline(self):
        """The work queue proposes *Hand over* once the formal notice's
        deadline has passed, not before; the hand-over through its wizard
        creates the case with the overdue invoices, and the customer shows
        in litigation."""
        deadline = self.notice.payment_deadline
        self.assertTrue(deadline)
        with self._frozen(deadline):
            self.assertFalse(self._queue_row().hand_over_due)
        with self._frozen(self.day):
            row = self._queue_row()
            self.assertTrue(row.hand_over_due)
            self.assertIn(
                row,
                self.env["account.dunning.queue"].search(
                    [("hand_over_due", "=", True)]
                ),
            )
            action = row.action_hand_over()
            form = Form(self.env[action["res_model"]].with_context(**action["context"]))
            self.assertEqual(form.partner_id, self.customer)
            self.assertEqual(form.notice_action_id, self.notice)
            self.assertEqual(form.amount_total, 1200.0)
            form.route = "injunction"
            form.agent_id = self.agent
            form.fees = 150.0
            wizard = form.save()
            self.assertEqual(wizard.move_ids, self.invoice)
            case = self.Case.browse(wizard.action_confirm()["res_id"])
            self.assertEqual(case.partner_id, self.customer)
            self.assertEqual(case.route, "injunction")
            self.assertEqual(case.move_ids, self.invoice)
            self.assertEqual(case.date, self.day)
            self.assertEqual(case.fees, 150.0)
            self.assertEqual(case.amount_claimed, 1200.0)
            self.assertEqual(case.notice_action_id, self.notice)
            self.assertTrue(case.name.startswith("LIT/"))
            self.assertEqual(case.state, "open")
            self.customer.invalidate_recordset()
            self.assertTrue(self.customer.dunning_in_litigation)
            self.assertEqual(self.customer.dunning_litigation_count, 1)
            self.assertEqual(
                self.customer.action_open_dunning_litigations()["domain"],
                [("partner_id", "=", self.customer.id)],
            )
            row.invalidate_recordset()
            self.assertFalse(row.hand_over_due)

    def test_nightly_run_never_reminds_a_customer_in_litigation(self):
        """From the hand-over on, no amicable reminder to the customer, even
        for a newer invoice; the run counts it; the invoice shows no next
        reminder. Cancelling the hand-over lets the reminders resume."""
        newer = self._create_invoice(self.customer, date(2026, 5, 10), amount=300.0)
        with self._frozen(self.day):
            case = self._hand_over(moves=self.invoice)
        day = date(2026, 5, 10) + timedelta(days=self.level_first.delay)
        run = self._run(day)
        self.assertFalse(run.action_ids)
        self.assertEqual(run.skip_litigation, 1)
        with self._frozen(day):
            newer.invalidate_recordset(["dunning_next_date"])
            self.assertFalse(newer.dunning_next_date)
        # the "Relancer" wizard asks the same rule
        with self._frozen(day):
            wizard = Form(
                self.env["account.dunning.wizard"].with_context(
                    active_model="res.partner", active_ids=self.customer.ids
                )
            ).save()
            label = self.env["account.dunning.rule"]._get_skip_explanations()[
                "skip_litigation"
            ]
            moves = wizard.line_ids.move_ids
            self.assertEqual(set(moves.mapped("skip_reason")), {label})
            self.assertFalse(any(moves.mapped("to_remind")))
        # cancelled: the invoices are back where they were
        with self._frozen(day):
            case.action_cancel()
            self.assertEqual(case.state, "cancelled")
            self.assertEqual(case.closed_date, day)
            self.assertEqual(self.invoice.dunning_level_id, self.level_notice)
            self.customer.invalidate_recordset()
            self.assertFalse(self.customer.dunning_in_litigation)
        run = self._run(day + timedelta(days=1))
        self.assertEqual(run.skip_litigation, 0)
        self.assertEqual(run.action_ids.move_ids, newer)

    def test_hand_over_from_case_list(self):
        # as the list's header button calls it, with no case selected
        action = call_kw(self.Case, "action_hand_over", [[]], {})
        self.assertEqual(action["res_model"], "account.dunning.litigation.wizard")
        with self._frozen(self.day):
            form = Form(self.Wizard.with_context(**action["context"]))
            form.partner_id = self.customer
            form.route = "lawyer"
            self.assertEqual(form.move_ids[:], self.invoice)
            case = self.Case.browse(form.save().action_confirm()["res_id"])
        self.assertEqual(case.route, "lawyer")

    # ------------------------------------------------------------------
    # Refusals: plain words, nothing written
    # ------------------------------------------------------------------

    def _assert_refused(self, message, vals):
        before = self.Case.search_count([])
        wizard = self.Wizard.create(
            {
                "partner_id": self.customer.id,
                "route": "agency",
                "date": self.day,
                **vals,
            }
        )
        with self.assertRaisesRegex(UserError, message):
            wizard.action_confirm()
        self.assertEqual(self.Case.search_count([]), before)

    def test_bad_inputs_are_refused(self):
        paid = self._create_invoice(self.customer, self.due, amount=100.0)
        self._pay(paid, day=self.due)
        self._assert_refused("already paid", {"move_ids": [Command.set(paid.ids)]})
        other_company = self.setup_other_company(name="Autre société")["company"]
        foreign = (
            self.env["account.move"]
            .with_company(other_company)
            .create(
                {
                    "move_type": "out_invoice",
                    "partner_id": self.customer.id,
                    "invoice_date": self.due,
                    "invoice_date_due": self.due,
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "name": "B",
                                "price_unit": 500,
                                "tax_ids": [Command.clear()],
                            }
                        )
                    ],
                }
            )
        )
        foreign.action_post()
        self._assert_refused(
            "another company", {"move_ids": [Command.set(foreign.ids)]}
        )
        self._assert_refused("Choose the invoices", {"move_ids": [Command.clear()]})
        # an injonction de payer needs a formal notice sent
        stranger = self._create_customer("Sans Mise en Demeure")
        invoice = self._create_invoice(stranger, self.due)
        before = self.Case.search_count([])
        wizard = self.Wizard.create(
            {"partner_id": stranger.id, "route": "injunction", "date": self.day}
        )
        self.assertEqual(wizard.move_ids, invoice)
        with self.assertRaisesRegex(UserError, "formal notice"):
            wizard.action_confirm()
        self.assertEqual(self.Case.search_count([]), before)
        # a second open case for the same invoice
        with self._frozen(self.day):
            case = self._hand_over()
        self._assert_refused(
            "already in an open case", {"move_ids": [Command.set(self.invoice.ids)]}
        )
        with (
            self.assertRaisesRegex(ValidationError, "already in the open case"),
            self.env.cr.savepoint(),
        ):
            self.Case.create(
                {
                    "partner_id": self.customer.id,
                    "route": "agency",
                    "move_ids": [Command.set(self.invoice.ids)],
                }
            )
        # not the same invoice as the default any more: the case holds it
        with self._frozen(self.day):
            self.assertFalse(
                self.Wizard.create(
                    {"partner_id": self.customer.id, "route": "agency"}
                ).move_ids
            )
        self.assertEqual(self.Case.search([("move_ids", "in", self.invoice.ids)]), case)

    # ------------------------------------------------------------------
    # Payments, closing, cancelling
    # ------------------------------------------------------------------

    def test_recoveries_and_closing(self):
        """Payments matched on or after the hand-over count as recovered; a
        case that recovered something cannot be cancelled; it closes as
        partly paid, or as paid once nothing is owed."""
        with self._frozen(self.day):
            case = self._hand_over()
        self.assertEqual(case.recovered_amount, 0.0)
        payment_action = case.action_register_payment()
        self.assertEqual(payment_action["res_model"], "account.payment.register")
        self._pay(self.invoice, amount=500.0, day=self.day + timedelta(days=10))
        case.invalidate_recordset()
        self.assertEqual(case.recovered_amount, 500.0)
        self.assertEqual(case.amount_residual, 700.0)
        with self.assertRaisesRegex(UserError, "already recovered"):
            case.action_cancel()
        with self.assertRaisesRegex(UserError, "still owe"):
            case.action_close_paid()
        self.assertEqual(case.state, "open")
        with self._frozen(self.day + timedelta(days=20)):
            case.action_close_partial()
        self.assertEqual(case.state, "partial")
        self.assertEqual(case.closed_date, self.day + timedelta(days=20))
        with self.assertRaisesRegex(UserError, "no longer open"):
            case.action_close_lost()

    def test_close_paid_and_lost(self):
        other = self._create_customer("Garage Dupont")
        lost_invoice = self._create_invoice(other, self.due, amount=800.0)
        with self._frozen(self.day):
            paid_case = self._hand_over()
            lost_case = self._hand_over(partner=other, route="bailiff")
        # paid before the hand-over: not recovered by the case
        self.assertEqual(lost_case.move_ids, lost_invoice)
        with self.assertRaisesRegex(UserError, "Nothing was recovered"):
            lost_case.action_close_partial()
        lost_case.action_close_lost()
        self.assertEqual(lost_case.state, "lost")
        self._pay(self.invoice, day=self.day + timedelta(days=3))
        paid_case.invalidate_recordset()
        self.assertEqual(paid_case.recovered_amount, 1200.0)
        paid_case.action_close_paid()
        self.assertEqual(paid_case.state, "paid")
        self.assertTrue(paid_case.closed_date)

    def test_payment_before_hand_over_is_not_a_recovery(self):
        self._pay(self.invoice, amount=200.0, day=self.day - timedelta(days=5))
        with self._frozen(self.day):
            case = self._hand_over()
        self.assertEqual(case.amount_claimed, 1000.0)
        self.assertEqual(case.recovered_amount, 0.0)
        case.action_cancel()
        self.assertEqual(case.state, "cancelled")

    # ------------------------------------------------------------------
    # Export for an agency
    # ------------------------------------------------------------------

    def test_agency_export(self):
        """One row per invoice with the R124-4 items: agency, creditor,
        debtor, basis and the debt split into principal, interest and
        accessories."""
        with self._frozen(self.day):
            case = self._hand_over(fees=90.0)
        action = case.action_export_xlsx()
        attachment_id = int(action["url"].split("/web/content/")[1].split("?")[0])
        raw = self.env["ir.attachment"].browse(attachment_id).raw
        self.assertTrue(zipfile.is_zipfile(io.BytesIO(raw)))
        import openpyxl  # noqa: PLC0415 - only this test needs it

        sheet = openpyxl.load_workbook(io.BytesIO(raw)).active
        rows = list(sheet.iter_rows(values_only=True))
        header = rows[0]
        self.assertEqual(len(rows), 2)
        values = dict(zip(header, rows[1], strict=True))
        self.assertEqual(values["Case"], case.name)
        self.assertEqual(values["Agency"], self.agent.name)
        self.assertEqual(values["Creditor"], self.company.name)
        self.assertEqual(values["Debtor"], self.customer.name)
        self.assertEqual(values["Principal"], 1200.0)
        self.assertEqual(values["Agreed fees"], 90.0)
        penalties = self.invoice._get_dunning_penalties()[self.invoice.id]
        self.assertEqual(
            values["Other accessories (indemnity)"], penalties["fixed_fee"]
        )
        self.assertEqual(values["Other accessories (indemnity)"], 40.0)
        self.assertAlmostEqual(values["Interest"], penalties["interest"], places=2)
        self.assertGreater(values["Interest"], 0)
        self.assertIn(self.invoice.name, values["Basis of the debt"])
