import base64
import re
from datetime import date, timedelta

from freezegun import freeze_time

from odoo.exceptions import UserError
from odoo.tests import Form, tagged

from .common import DunningCommon


@tagged("post_install", "-at_install")
class TestScheduleFollowup(DunningCommon):
    """A schedule agreed on 2026-04-15 for an invoice due on 2026-03-01 (1,200.00,
    first reminder already sent): 3 monthly payments of 400.00 from 2026-05-01."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.invoice = cls._create_invoice(cls.customer, "2026-03-01", amount=1200.0)
        cls._set_level(cls.invoice, cls.level_first)
        cls.agreed = date(2026, 4, 15)

    def _make_schedule(self, activate=True):
        with freeze_time(self.agreed):
            form = Form(
                self.env["account.dunning.schedule.wizard"].with_context(
                    active_model="res.partner", active_ids=self.customer.ids
                )
            )
            form.instalment_count = 3
            form.first_date = date(2026, 5, 1)
            action = form.save().action_confirm()
        schedule = self.env["account.dunning.schedule"].browse(action["res_id"])
        if activate:
            with self.assertRaisesRegex(UserError, "signed schedule"):
                schedule.action_activate()
            schedule.write(
                {
                    "agreement_date": self.agreed,
                    "agreement_file": base64.b64encode(b"%PDF-1.4 signed"),
                    "agreement_filename": "signed.pdf",
                }
            )
            schedule.action_activate()
            self.assertEqual(schedule.state, "active")
        return schedule

    # Subjects of the three templates, to tell their emails apart.
    SUBJECTS = {
        "account_dunning.mail_template_dunning_schedule_instalment": "payment of",
        "account_dunning.mail_template_dunning_schedule_paid": "payment received",
        "account_dunning.mail_template_dunning_schedule_default": "not honoured",
    }

    def _mails(self, template_xmlid, schedule):
        """Emails of the template queued for the schedule (or its instalments)."""
        template = self.env.ref(template_xmlid)
        records = (
            schedule
            if template.model == "account.dunning.schedule"
            else schedule.line_ids
        )
        return self.env["mail.mail"].search(
            [
                ("model", "=", template.model),
                ("res_id", "in", records.ids),
                ("state", "=", "outgoing"),
                ("subject", "ilike", self.SUBJECTS[template_xmlid]),
            ]
        )

    def _run_days(self, first, last, payments=None):
        """The nightly job every day from first to last; `payments` maps a day
        to an amount paid that day, before the night's run."""
        payments = payments or {}
        runs = self.env["account.dunning.run"]
        day = first
        while day <= last:
            if day in payments:
                self._pay(self.invoice, amount=payments[day], day=day)
            runs |= self._run_cron(day)
            day += timedelta(days=1)
        return runs

    def test_paid_on_time_no_reminder_then_done(self):
        schedule = self._make_schedule()
        self.assertEqual(self.invoice.dunning_schedule_id, schedule)
        runs = self._run_days(
            date(2026, 4, 16),
            date(2026, 7, 10),
            payments={
                date(2026, 5, 1): 400.0,
                date(2026, 6, 3): 400.0,  # within the 3 grace days
                date(2026, 6, 30): 400.0,
            },
        )
        self.assertFalse(self._actions(), "no ordinary reminder during the schedule")
        self.assertTrue(sum(runs.mapped("skip_schedule")) > 0)
        self.assertEqual(schedule.state, "done")
        self.assertEqual(schedule.line_ids.mapped("state"), ["paid"] * 3)
        self.assertEqual(schedule.paid_amount, 1200.0)
        self.assertEqual(self.invoice.payment_state, "paid")
        reminders = self._mails(
            "account_dunning.mail_template_dunning_schedule_instalment", schedule
        )
        self.assertEqual(
            sorted(reminders.mapped("res_id")), sorted(schedule.line_ids.ids)
        )
        confirmations = self._mails(
            "account_dunning.mail_template_dunning_schedule_paid", schedule
        )
        self.assertEqual(len(confirmations), 3)
        self.assertEqual(confirmations.recipient_ids, self.customer)
        self.assertIn("paid in full", confirmations.sorted("id")[-1].body_html)
        notes = " ".join(str(body) for body in self.customer.message_ids.mapped("body"))
        self.assertIn("Reminder of the payment of", notes)
        self.assertIn("Payment received on schedule", notes)

    def test_reminder_a_few_days_before(self):
        schedule = self._make_schedule()
        first = schedule.line_ids[0]
        self._run_days(date(2026, 4, 26), date(2026, 4, 27))
        self.assertFalse(first.reminder_sent, "4 days before: not yet")
        self._run_days(date(2026, 4, 28), date(2026, 4, 28))
        self.assertTrue(first.reminder_sent, "3 days before")
        mail = self._mails(
            "account_dunning.mail_template_dunning_schedule_instalment", schedule
        )
        self.assertEqual(mail.res_id, first.id)
        self.assertIn("400.00", mail.body_html)

    def test_missed_payment_defaults_to_formal_notice(self):
        schedule = self._make_schedule()
        self._run_days(
            date(2026, 4, 16), date(2026, 6, 4), payments={date(2026, 5, 2): 400.0}
        )
        self.assertEqual(schedule.state, "active", "June 1 + 3 grace days")
        self.assertFalse(self._actions())
        run = self._run_cron(date(2026, 6, 5))
        self.assertEqual(schedule.state, "defaulted")
        self.assertEqual(schedule.default_line_id, schedule.line_ids[1])
        self.assertEqual(schedule.default_date, date(2026, 6, 5))
        notice = self._actions()
        self.assertEqual(notice.run_id, run, "the formal notice comes on that run")
        self.assertEqual(notice.level_id, self.level_notice)
        self.assertEqual(notice.move_ids, self.invoice)
        self.assertEqual(notice.state, "draft", "awaiting the manager's approval")
        default_mail = self._mails(
            "account_dunning.mail_template_dunning_schedule_default", schedule
        )
        self.assertEqual(len(default_mail), 1)
        self.assertIn("800.00", default_mail.body_html)
        # The next nights create nothing more.
        self._run_days(date(2026, 6, 6), date(2026, 6, 12))
        self.assertEqual(self._actions(), notice)
        notice.action_validate()
        self.assertEqual(self.invoice.dunning_level_id, self.level_notice)

    def test_next_reminder_after_a_default_is_the_formal_notice(self):
        """The invoice's *next reminder* is the engine's rule: after a default
        the whole balance is due and the formal notice comes next, at once."""
        schedule = self._make_schedule()
        self._run_days(
            date(2026, 4, 16), date(2026, 6, 4), payments={date(2026, 5, 2): 400.0}
        )
        self._run_cron(date(2026, 6, 5))
        self.assertEqual(schedule.state, "defaulted")
        with freeze_time(date(2026, 6, 5)):
            self.invoice.invalidate_recordset(
                ["dunning_next_level_id", "dunning_next_date"]
            )
            self.assertEqual(self.invoice.dunning_level_id, self.level_first)
            self.assertEqual(self.invoice.dunning_next_level_id, self.level_notice)
            self.assertEqual(self.invoice.dunning_next_date, date(2026, 6, 5))

    def test_draft_schedule_does_not_hold_reminders(self):
        self._make_schedule(activate=False)
        run = self._run(date(2026, 4, 20))
        self.assertEqual(run.action_ids.level_id, self.level_call)

    def test_cancel_puts_invoices_back(self):
        schedule = self._make_schedule()
        run = self._run(date(2026, 4, 20))
        self.assertFalse(run.action_ids)
        self.assertEqual(run.skip_schedule, 1)
        schedule.action_cancel()
        self.assertEqual(schedule.state, "cancelled")
        self.assertFalse(self.invoice.dunning_schedule_id)
        self.assertEqual(self.invoice.dunning_level_id, self.level_first)
        run = self._run(date(2026, 4, 21))
        self.assertEqual(
            run.action_ids.level_id,
            self.level_call,
            "escalation resumes at the next level, not at the formal notice",
        )
        with freeze_time(date(2026, 4, 21)):
            form = Form(
                self.env["account.dunning.schedule.wizard"].with_context(
                    active_model="account.move", active_ids=self.invoice.ids
                )
            )
            self.assertEqual(form.amount_total, 1200.0, "free for a new schedule")

    def test_progress_on_customer(self):
        schedule = self._make_schedule()
        self._pay(self.invoice, amount=500.0, day=date(2026, 5, 1))
        self.assertEqual(schedule.line_ids.mapped("paid_amount"), [400.0, 100.0, 0.0])
        self.assertEqual(
            schedule.line_ids.mapped("state"), ["paid", "partial", "pending"]
        )
        with freeze_time(date(2026, 6, 10)):
            customer = self.customer.with_company(self.company)
            customer.invalidate_recordset()
            self.assertEqual(customer.dunning_schedule_current_id, schedule)
            self.assertEqual(customer.dunning_schedule_paid, 500.0)
            self.assertEqual(customer.dunning_schedule_due, 300.0)
            self.assertEqual(customer.dunning_schedule_late, 300.0)

    def test_private_person_notice_before_acceleration(self):
        """Against a consumer the acceleration needs a prior notice with a cure
        period: the agreement and the default email say so."""
        self.customer.write({"is_company": False, "vat": False})
        self.assertEqual(self.customer.dunning_debtor_category, "b2c")
        schedule = self._make_schedule()
        report = self.env.ref("account_dunning.account_dunning_schedule_report")
        html = self.env["ir.actions.report"]._render_qweb_html(report, schedule.ids)
        text = " ".join(re.sub(r"<[^>]+>", " ", html[0].decode()).split())
        self.assertIn("unpaid 30 days after receipt of this notice", text)
        self._run_days(date(2026, 5, 1), date(2026, 5, 5))
        # the notice first: acceleration only after the cure period (T18)
        self.assertEqual(schedule.state, "active")
        self.assertEqual(schedule.notice_date, date(2026, 5, 5))
        self.assertEqual(schedule.acceleration_date, date(2026, 6, 4))
        mail = self._mails(
            "account_dunning.mail_template_dunning_schedule_default", schedule
        )
        self.assertIn("within", mail.body_html)
        self.assertIn("30", mail.body_html)
