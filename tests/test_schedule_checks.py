import base64
from datetime import date

from freezegun import freeze_time

from odoo.exceptions import ValidationError
from odoo.tests import Form, tagged

from .common import DunningCommon


@tagged("post_install", "-at_install")
@freeze_time("2026-05-04")
class TestScheduleChecks(DunningCommon):
    """A payment schedule edited on its own form is held to the wizard's
    checks: instalments that pay exactly the amount due, each more than zero,
    on increasing dates; activation checks them again."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.invoice = cls._create_invoice(cls.customer, "2026-03-31", amount=1200.0)

    def _draft_schedule(self):
        form = Form(
            self.env["account.dunning.schedule.wizard"].with_context(
                active_model="res.partner", active_ids=self.customer.ids
            )
        )
        form.instalment_count = 3
        form.first_date = date(2026, 6, 1)
        action = form.save().action_confirm()
        return self.env["account.dunning.schedule"].browse(action["res_id"])

    def _assert_form_refuses(self, schedule, message, edit):
        form = Form(schedule)
        edit(form)
        with self.assertRaisesRegex(ValidationError, message):
            form.save()

    def test_instalments_that_do_not_add_up_are_refused(self):
        schedule = self._draft_schedule()

        def edit(form):
            with form.line_ids.edit(0) as line:
                line.amount = 100.0

        self._assert_form_refuses(
            schedule, "The payments add up to 900.00.* instead of the 1,200.00", edit
        )

    def test_zero_or_negative_instalment_is_refused(self):
        schedule = self._draft_schedule()

        def edit(form):
            with form.line_ids.edit(0) as line:
                line.amount = 0.0
            with form.line_ids.edit(1) as line:
                line.amount = 800.0

        self._assert_form_refuses(schedule, "each payment must be more than zero", edit)

    def test_two_instalments_on_one_day_are_refused(self):
        schedule = self._draft_schedule()

        def edit(form):
            with form.line_ids.edit(1) as line:
                line.date = date(2026, 6, 1)

        self._assert_form_refuses(
            schedule, "The payment dates must follow each other", edit
        )

    def test_activation_checks_the_instalments_again(self):
        """Instalments broken behind the form's back (an import, a script): the
        customer's agreement cannot make the schedule active."""
        schedule = self._draft_schedule()
        schedule.write(
            {
                "agreement_date": date(2026, 5, 4),
                "agreement_file": base64.b64encode(b"%PDF-1.4 signed"),
                "agreement_filename": "signed.pdf",
            }
        )
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE account_dunning_schedule_line SET amount = 10 WHERE id = %s",
            [schedule.line_ids[0].id],
        )
        schedule.line_ids.invalidate_recordset(["amount"])
        with self.assertRaises(ValidationError) as refused:
            schedule.action_activate()
        self.assertIn("The payments add up to", str(refused.exception))
        schedule.invalidate_recordset(["state"])
        self.assertEqual(schedule.state, "draft")
