from datetime import date

from freezegun import freeze_time

from odoo.exceptions import UserError
from odoo.tests import Form, tagged

from .common import DunningCommon


@tagged("post_install", "-at_install")
@freeze_time("2026-05-04")
class TestScheduleWizard(DunningCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.invoice = cls._create_invoice(cls.customer, "2026-03-31", amount=1200.0)

    def _wizard_form(self, **context):
        context = context or {
            "active_model": "res.partner",
            "active_ids": self.customer.ids,
        }
        Wizard = self.env["account.dunning.schedule.wizard"].with_context(**context)
        return Form(Wizard)

    def _lines(self, wizard):
        return [(line.date, line.amount) for line in wizard.line_ids]

    def _assert_refused(self, form, message):
        wizard = form.save()
        self.assertIn(message, wizard.error_message or "")
        with self.assertRaisesRegex(UserError, message):
            wizard.action_confirm()
        self.assertFalse(self.invoice.dunning_schedule_id)

    def test_down_payment_and_monthly_instalments(self):
        form = self._wizard_form()
        self.assertEqual(form.partner_id, self.customer)
        self.assertEqual(form.amount_total, 1200.0)
        form.down_payment = 300.0
        form.instalment_count = 3
        form.frequency = "monthly"
        form.first_date = date(2026, 6, 5)
        wizard = form.save()
        self.assertEqual(
            self._lines(wizard),
            [
                (date(2026, 5, 4), 300.0),
                (date(2026, 6, 5), 300.0),
                (date(2026, 7, 5), 300.0),
                (date(2026, 8, 5), 300.0),
            ],
        )
        self.assertTrue(wizard.line_ids[0].is_down_payment)
        self.assertFalse(wizard.error_message)
        action = wizard.action_confirm()
        schedule = self.env["account.dunning.schedule"].browse(action["res_id"])
        self.assertEqual(schedule.state, "draft")
        self.assertEqual(schedule.partner_id, self.customer)
        self.assertEqual(schedule.move_ids, self.invoice)
        self.assertEqual(schedule.amount_total, 1200.0)
        self.assertEqual(schedule.line_ids.mapped("amount"), [300.0] * 4)
        self.assertEqual(self.invoice.dunning_schedule_id, schedule)

    def test_remainder_on_last_instalment(self):
        self.invoice.button_draft()
        self.invoice.invoice_line_ids.price_unit = 1000.0
        self.invoice.action_post()
        form = self._wizard_form(
            active_model="account.move", active_ids=self.invoice.ids
        )
        form.instalment_count = 3
        form.first_date = date(2026, 5, 15)
        form.frequency = "weekly"
        self.assertEqual(
            self._lines(form.save()),
            [
                (date(2026, 5, 15), 333.33),
                (date(2026, 5, 22), 333.33),
                (date(2026, 5, 29), 333.34),
            ],
        )
        form.rounding = "1"
        form.frequency = "biweekly"
        self.assertEqual(
            self._lines(form.save()),
            [
                (date(2026, 5, 15), 333.0),
                (date(2026, 5, 29), 333.0),
                (date(2026, 6, 12), 334.0),
            ],
        )

    def test_invalid_inputs_refused(self):
        form = self._wizard_form()
        form.instalment_count = 0
        self._assert_refused(form, "at least one instalment")

        form = self._wizard_form()
        form.down_payment = -10.0
        self._assert_refused(form, "down payment cannot be negative")

        form = self._wizard_form()
        form.down_payment = 1200.0
        self._assert_refused(form, "must be less than the total")

        form = self._wizard_form()
        with form.line_ids.edit(1) as line:
            line.amount = 500.0
        self._assert_refused(form, "add up to")

        form = self._wizard_form()
        form.instalment_count = 2
        with form.line_ids.edit(0) as line:
            line.amount = 0.0
        with form.line_ids.edit(1) as line:
            line.amount = 1200.0
        self._assert_refused(form, "must be more than zero")

        form = self._wizard_form()
        form.instalment_count = 2
        with form.line_ids.edit(0) as line:
            line.amount = -100.0
        with form.line_ids.edit(1) as line:
            line.amount = 1300.0
        self._assert_refused(form, "must be more than zero")

        form = self._wizard_form()
        with form.line_ids.edit(2) as line:
            line.date = date(2026, 6, 1)
        self._assert_refused(form, "must follow each other")

        form = self._wizard_form()
        form.first_date = date(2026, 5, 1)
        self._assert_refused(form, "before today")

        form = self._wizard_form()
        form.down_payment = 100.0
        form.down_payment_date = date(2026, 5, 3)
        self._assert_refused(form, "before today")

        form = self._wizard_form()
        form.instalment_count = 25
        form.first_date = date(2026, 6, 1)
        self._assert_refused(form, "more than two years")

        form = self._wizard_form()
        form.move_ids.clear()
        self._assert_refused(form, "Select at least one invoice")

    def test_longer_than_policy_warned(self):
        self.policy.schedule_max_months = 12
        form = self._wizard_form()
        form.instalment_count = 12
        form.first_date = date(2026, 6, 1)
        self.assertFalse(form.warning_message, "12 months is within the policy")
        form.instalment_count = 18
        wizard = form.save()
        self.assertIn("beyond the 12 months", wizard.warning_message)
        self.assertFalse(wizard.error_message, "a warning, not an error")
        wizard.action_confirm()
        self.assertEqual(len(self.invoice.dunning_schedule_id.line_ids), 18)

    def test_invoice_in_one_schedule_at_a_time(self):
        self._wizard_form().save().action_confirm()
        with self.assertRaisesRegex(UserError, "no overdue invoice outside"):
            self._wizard_form()
        form = self._wizard_form(
            active_model="account.move", active_ids=self.invoice.ids
        )
        self._assert_refused_taken(form)

    def _assert_refused_taken(self, form):
        wizard = form.save()
        with self.assertRaisesRegex(UserError, "Already in a payment schedule"):
            wizard.action_confirm()

    def test_open_from_work_queue(self):
        self.env.flush_all()
        row = self.env["account.dunning.queue"].search(
            [("partner_id", "=", self.customer.id)]
        )
        self.assertEqual(len(row), 1)
        action = row.action_open_dunning_schedule_wizard()
        form = Form(self.env[action["res_model"]].with_context(**action["context"]))
        self.assertEqual(form.partner_id, self.customer)
        self.assertEqual(form.amount_total, 1200.0)

    def test_penalties_included_on_a_debit_note(self):
        """With penalties, they are claimed on a posted debit note that joins the
        schedule, so its payments count like the invoices'."""
        form = self._wizard_form()
        form.include_penalties = True
        penalties = self.invoice._get_dunning_penalties(date(2026, 5, 4))[
            self.invoice.id
        ]
        expected = round(penalties["interest"], 2) + round(penalties["fixed_fee"], 2)
        self.assertGreater(form.penalty_amount, 40.0, "interest + 40 € indemnity")
        self.assertAlmostEqual(form.penalty_amount, expected, places=2)
        self.assertAlmostEqual(form.amount_total, 1200.0 + expected, places=2)
        action = form.save().action_confirm()
        schedule = self.env["account.dunning.schedule"].browse(action["res_id"])
        note = schedule.move_ids - self.invoice
        self.assertEqual(len(note), 1)
        self.assertEqual(note.state, "posted")
        self.assertAlmostEqual(note.amount_residual, expected, places=2)
        self.assertAlmostEqual(schedule.amount_total, 1200.0 + expected, places=2)
        self.assertEqual(note.dunning_schedule_id, schedule)

    def test_button_on_customer_form(self):
        action = self.customer.action_open_dunning_schedule_wizard()
        form = Form(self.env[action["res_model"]].with_context(**action["context"]))
        form.instalment_count = 2
        action = form.save().action_confirm()
        self.assertEqual(self.customer.dunning_schedule_count, 1)
        self.assertEqual(
            self.customer.action_open_dunning_schedules()["domain"],
            [("partner_id", "=", self.customer.id)],
        )
