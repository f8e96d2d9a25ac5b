from datetime import date

from freezegun import freeze_time

from odoo.exceptions import UserError, ValidationError
from odoo.tests import Form, tagged

from .common import DunningCommon


@tagged("post_install", "-at_install")
class TestLegalCalls(DunningCommon):
    """T19 (DOMAIN.md §3.4): a private person is called on weekdays, 10:00 to
    13:00 and 14:00 to 20:00 (company clock, Paris), never on Sunday nor on a
    public holiday, at most 4 times in 30 days. Times below are UTC: Paris is
    UTC+1 until 29 March 2026, UTC+2 after."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.partner_id.tz = "Europe/Paris"
        cls.person = cls._create_customer("Jeanne Dupont", is_company=False)
        cls.invoice = cls._create_invoice(cls.person, "2026-03-06", amount=300.0)
        cls._set_level(cls.invoice, cls.level_first)

    def _log_call(self, partner, when, result="reached"):
        """*Log a call* from the customer form at `when` (UTC)."""
        with freeze_time(when):
            form = Form(
                self.env["account.dunning.call.wizard"].with_context(
                    **partner.action_dunning_log_call()["context"]
                )
            )
            form.result = result
            wizard = form.save()
            refusal = wizard.call_refusal
            wizard.action_confirm()
        return refusal

    def _calls(self, partner):
        return self._actions(partner, channel="call")

    def test_t19_defaults(self):
        self.assertEqual(self.person.dunning_debtor_category, "b2c")
        company = self.company
        self.assertEqual(
            (company.dunning_call_hour_from, company.dunning_call_hour_to),
            (10.0, 20.0),
        )
        self.assertEqual(
            (company.dunning_call_lunch_from, company.dunning_call_lunch_to),
            (13.0, 14.0),
        )
        self.assertEqual(company.dunning_call_max_attempts, 4)
        self.assertFalse(company.dunning_call_saturday)

    def test_t19_tuesday_10_accepted(self):
        # Tuesday 10 March 2026, 10:00 in Paris
        self.assertFalse(self._log_call(self.person, "2026-03-10 09:00:00"))
        call = self._calls(self.person)
        self.assertEqual(call.result, "reached")
        self.assertEqual(str(call.call_date), "2026-03-10 09:00:00")

    def test_t19_saturday_refused(self):
        with self.assertRaisesRegex(
            UserError, "No call to a private person on Saturday"
        ):
            self._log_call(self.person, "2026-03-14 10:00:00")
        self.assertFalse(self._calls(self.person), "nothing written")

    def test_t19_lunch_break_refused(self):
        with self.assertRaisesRegex(
            UserError, "No call to a private person at 13:30: lunch break"
        ):
            self._log_call(self.person, "2026-03-11 12:30:00")
        with self.assertRaisesRegex(UserError, "at 20:15: calls are allowed from"):
            self._log_call(self.person, "2026-03-11 19:15:00")
        with self.assertRaisesRegex(UserError, "at 09:59"):
            self._log_call(self.person, "2026-03-11 08:59:00")
        self.assertFalse(self._calls(self.person))
        # 14:00 in Paris, the end of the break
        self._log_call(self.person, "2026-03-11 13:00:00")
        self.assertEqual(len(self._calls(self.person)), 1)

    def test_t19_sunday_and_public_holiday_refused(self):
        with self.assertRaisesRegex(UserError, "on Sunday"):
            self._log_call(self.person, "2026-03-15 10:00:00")
        # Easter Monday 6 April 2026, Ascension Day 14 May, Whit Monday 25 May
        for when, name in (
            ("2026-04-06 09:00:00", "Easter Monday"),
            ("2026-05-14 09:00:00", "Ascension Day"),
            ("2026-05-25 09:00:00", "Whit Monday"),
            ("2026-07-14 09:00:00", "Bastille Day"),
        ):
            with self.assertRaisesRegex(UserError, f"public holiday \\({name}"):
                self._log_call(self.person, when)
        self.assertFalse(self._calls(self.person))
        # the Tuesday after Easter is an ordinary day
        self._log_call(self.person, "2026-04-07 09:00:00")
        self.assertEqual(len(self._calls(self.person)), 1)

    def test_t19_fifth_attempt_within_30_days_refused(self):
        for when in (
            "2026-03-02 09:00:00",
            "2026-03-03 09:00:00",
            "2026-03-04 15:00:00",
            "2026-03-05 17:00:00",
        ):
            self._log_call(self.person, when, result="no_answer")
        self.assertEqual(len(self._calls(self.person)), 4)
        # Tuesday 31 March: the 30 days from 2 March hold four attempts
        with self.assertRaisesRegex(
            UserError, "Call attempt 5 within 30 days: at most 4"
        ):
            self._log_call(self.person, "2026-03-31 08:00:00")
        self.assertEqual(len(self._calls(self.person)), 4, "nothing written")
        # Wednesday 1 April: the call of 2 March is out of the 30 days
        self._log_call(self.person, "2026-04-01 08:00:00")
        self.assertEqual(len(self._calls(self.person)), 5)

    def test_t19_dialog_warns_before_confirming(self):
        with freeze_time("2026-03-14 10:00:00"):
            form = Form(
                self.env["account.dunning.call.wizard"].with_context(
                    **self.person.action_dunning_log_call()["context"]
                )
            )
            self.assertIn("on Saturday", form.call_refusal)

    def test_t19_professional_not_restricted(self):
        self.assertEqual(self.customer.dunning_debtor_category, "b2b")
        for when in (
            "2026-03-14 10:00:00",  # Saturday
            "2026-03-15 10:00:00",  # Sunday
            "2026-03-11 12:30:00",  # 13:30
            "2026-04-06 09:00:00",  # Easter Monday
            "2026-04-07 20:00:00",  # 22:00
        ):
            self.assertFalse(self._log_call(self.customer, when))
        self.assertEqual(len(self._calls(self.customer)), 5)

    def test_t19_settings(self):
        settings = Form(self.env["res.config.settings"])
        self.assertEqual(settings.dunning_call_max_attempts, 4)
        settings.dunning_call_saturday = True
        settings.dunning_call_max_attempts = 2
        settings.save().execute()
        self.assertTrue(self.company.dunning_call_saturday)
        # Saturday is now allowed, Sunday never is
        self._log_call(self.person, "2026-03-14 10:00:00")
        with self.assertRaisesRegex(UserError, "on Sunday"):
            self._log_call(self.person, "2026-03-15 10:00:00")
        self._log_call(self.person, "2026-03-16 10:00:00")
        with self.assertRaisesRegex(UserError, "Call attempt 3 within 30 days"):
            self._log_call(self.person, "2026-03-17 10:00:00")
        with self.assertRaises(ValidationError):
            self.company.dunning_call_hour_to = 9.0

    def test_t19_night_call_task_in_an_allowed_slot(self):
        """The call level falls due on Saturday 14 March: the night plans the
        private person's call for Monday 16 March, the professional's that
        day."""
        shop = self._create_invoice(self.customer, "2026-03-06", amount=500.0)
        self._set_level(shop, self.level_first)
        run = self._run_cron(date(2026, 3, 14))
        person_call = run.action_ids.filtered(lambda a: a.partner_id == self.person)
        shop_call = run.action_ids.filtered(lambda a: a.partner_id == self.customer)
        self.assertEqual(person_call.channel, "call")
        self.assertEqual(person_call.date, date(2026, 3, 14))
        self.assertEqual(person_call.activity_id.date_deadline, date(2026, 3, 16))
        self.assertEqual(shop_call.activity_id.date_deadline, date(2026, 3, 14))

    def test_t19_night_call_task_after_the_cap(self):
        """Four attempts from 16 to 19 February: on the night of 14 March the
        fifth call is planned when the first leaves the 30 days, Wednesday
        18 March."""
        for when in (
            "2026-02-16 09:00:00",
            "2026-02-17 09:00:00",
            "2026-02-18 09:00:00",
            "2026-02-19 09:00:00",
        ):
            self._log_call(self.person, when, result="no_answer")
        run = self._run_cron(date(2026, 3, 14))
        call = run.action_ids.filtered(lambda a: a.partner_id == self.person)
        self.assertEqual(call.activity_id.date_deadline, date(2026, 3, 18))

    def test_t19_call_back_on_an_allowed_day(self):
        """No answer on Friday, call back "tomorrow": on Monday."""
        with freeze_time("2026-03-13 09:00:00"):
            form = Form(
                self.env["account.dunning.call.wizard"].with_context(
                    **self.person.action_dunning_log_call()["context"]
                )
            )
            form.result = "no_answer"
            self.assertEqual(form.callback_date, date(2026, 3, 14))
            form.save().action_confirm()
        callback = self.person.activity_ids.filtered(
            lambda a: a.summary == "Call back: no answer"
        )
        self.assertEqual(callback.date_deadline, date(2026, 3, 16))
