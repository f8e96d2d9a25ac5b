import base64
from datetime import date

from freezegun import freeze_time

from odoo.exceptions import ValidationError
from odoo.tests import Form, tagged

from .common import DunningCommon


@tagged("post_install", "-at_install")
class TestLegalAcceleration(DunningCommon):
    """T18 (DOMAIN.md §5): a private person's schedule of 3 × 300.00 from
    2026-05-05 (no grace days): the instalment of 5 May is missed, the notice
    of default goes out on the night of 6 May, and the whole balance may be
    claimed (formal notice) only from 5 June, 30 days later."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.policy.grace_days = 0
        cls.person = cls._create_customer("Jeanne Dupont", is_company=False)

    def _make_schedule(self, partner):
        invoice = self._create_invoice(partner, "2026-03-01", amount=900.0)
        self._set_level(invoice, self.level_first)
        with freeze_time(date(2026, 4, 15)):
            form = Form(
                self.env["account.dunning.schedule.wizard"].with_context(
                    active_model="res.partner", active_ids=partner.ids
                )
            )
            form.instalment_count = 3
            form.first_date = date(2026, 5, 5)
            action = form.save().action_confirm()
        schedule = self.env["account.dunning.schedule"].browse(action["res_id"])
        schedule.write(
            {
                "agreement_date": date(2026, 4, 15),
                "agreement_file": base64.b64encode(b"%PDF-1.4 signed"),
                "agreement_filename": "signed.pdf",
            }
        )
        schedule.action_activate()
        self.assertEqual(schedule.line_ids[0].date, date(2026, 5, 5))
        return schedule, invoice

    def _default_mails(self, schedule):
        return self.env["mail.mail"].search(
            [
                ("model", "=", "account.dunning.schedule"),
                ("res_id", "=", schedule.id),
                ("subject", "ilike", "not honoured"),
            ]
        )

    def test_t18_consumer_acceleration_after_30_days(self):
        self.assertEqual(self.company.dunning_cure_days, 30)
        schedule, invoice = self._make_schedule(self.person)
        self._run_cron(date(2026, 5, 5))
        self.assertFalse(schedule.notice_date, "due today, not missed yet")
        self._run_cron(date(2026, 5, 6))
        self.assertEqual(schedule.state, "active")
        self.assertEqual(schedule.notice_date, date(2026, 5, 6))
        self.assertEqual(schedule.acceleration_date, date(2026, 6, 5))
        self.assertEqual(schedule.default_line_id, schedule.line_ids[0])
        notice = self._default_mails(schedule)
        self.assertEqual(len(notice), 1)
        self.assertIn("within", notice.body_html)
        self.assertIn("30", notice.body_html)
        # The cure period runs: no acceleration, no formal notice.
        for day in (date(2026, 5, 20), date(2026, 6, 4)):
            run = self._run_cron(day)
            self.assertEqual(schedule.state, "active", day)
            self.assertFalse(run.action_ids, day)
        self.assertFalse(self._actions(self.person))
        # By hand neither: the cure period is the schedule's own rule.
        with (
            freeze_time(date(2026, 6, 4)),
            self.assertRaisesRegex(ValidationError, "not before 06/05/2026"),
            self.env.cr.savepoint(),
        ):
            schedule.write({"state": "defaulted", "default_date": date(2026, 6, 4)})
        # the refused write is rolled back: forget what the cache kept of it
        self.env.invalidate_all()
        self.assertEqual(schedule.state, "active")
        run = self._run_cron(date(2026, 6, 5))
        self.assertEqual(schedule.state, "defaulted")
        self.assertEqual(schedule.default_date, date(2026, 6, 5))
        self.assertEqual(run.action_ids.level_id, self.level_notice)
        self.assertEqual(run.action_ids.move_ids, invoice)
        self.assertEqual(len(self._default_mails(schedule)), 1, "no second email")
        self.assertIn(
            "cure period of the notice of",
            " ".join(schedule.message_ids.mapped("body")),
        )

    def test_t18_consumer_cures_within_the_period(self):
        schedule, invoice = self._make_schedule(self.person)
        self._run_cron(date(2026, 5, 6))
        self.assertEqual(schedule.notice_date, date(2026, 5, 6))
        self._pay(invoice, amount=300.0, day=date(2026, 5, 20))
        self._run_cron(date(2026, 5, 20))
        self.assertEqual(schedule.state, "active")
        self.assertFalse(schedule.notice_date)
        self.assertFalse(schedule.acceleration_date)
        run = self._run_cron(date(2026, 6, 5))
        self.assertEqual(schedule.state, "active")
        self.assertFalse(run.action_ids)

    def test_t18_cure_period_setting(self):
        for days in (15, 8, 0):
            settings = Form(self.env["res.config.settings"])
            settings.dunning_cure_days = days
            with (
                self.assertRaisesRegex(ValidationError, "too short"),
                self.env.cr.savepoint(),
            ):
                settings.save().execute()
        self.env.invalidate_all()
        self.assertEqual(self.company.dunning_cure_days, 30)
        settings = Form(self.env["res.config.settings"])
        settings.dunning_cure_days = 45
        settings.save().execute()
        self.assertEqual(self.company.dunning_cure_days, 45)
        schedule, _invoice = self._make_schedule(self.person)
        self._run_cron(date(2026, 5, 6))
        self.assertEqual(schedule.acceleration_date, date(2026, 6, 20))
        self.assertEqual(schedule._get_acceleration_notice_days(), 45)

    def test_t18_professional_unchanged(self):
        self.assertEqual(self.customer.dunning_debtor_category, "b2b")
        schedule, invoice = self._make_schedule(self.customer)
        self.assertEqual(schedule._get_acceleration_notice_days(), 0)
        run = self._run_cron(date(2026, 5, 6))
        self.assertEqual(schedule.state, "defaulted")
        self.assertEqual(schedule.default_date, date(2026, 5, 6))
        self.assertFalse(schedule.notice_date)
        self.assertEqual(run.action_ids.level_id, self.level_notice)
        self.assertEqual(run.action_ids.move_ids, invoice)
        self.assertEqual(len(self._default_mails(schedule)), 1)
