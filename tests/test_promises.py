from datetime import timedelta

from freezegun import freeze_time

from odoo.exceptions import ValidationError
from odoo.tests import Form, tagged
from odoo.tools import html2plaintext

from .common import DunningCommon


@tagged("post_install", "-at_install")
class TestPromises(DunningCommon):
    """A call with outcome "promise" holds the reminders until the promised date
    plus the grace days; the nightly job then marks the promise kept or broken."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.due = cls._d("2026-03-01")
        cls.call_day = cls._d("2026-03-21")  # J+20: the second reminder is due
        cls.invoice = cls._create_invoice(cls.customer, cls.due, amount=1000.0)
        # the invoice already went through the first reminder and the first call
        cls._set_level(cls.invoice, cls.level_call)

    def _log_call(self, partner, day, **values):
        with freeze_time(f"{day} 10:00:00"):
            action = partner.action_dunning_log_call()
            wizard_form = Form(
                self.env[action["res_model"]].with_context(**action["context"])
            )
            for name, value in values.items():
                setattr(wizard_form, name, value)
            wizard = wizard_form.save()
            return wizard.action_confirm()

    def _promise(self, day=None, **values):
        values = {
            "result": "promise",
            "promise_date": self.call_day + timedelta(days=6),
            "promise_amount": 1000.0,
            **values,
        }
        self._log_call(self.customer, day or self.call_day, **values)
        return self.env["account.dunning.promise"].search(
            [("partner_id", "=", self.customer.id)], order="id desc", limit=1
        )

    def _reminders(self):
        return self._actions().filtered(lambda a: not a.result)

    def test_call_creates_promise_and_holds_reminders(self):
        promise = self._promise()
        self.assertEqual(promise.state, "open")
        self.assertEqual(promise.move_ids, self.invoice)
        self.assertEqual(promise.amount, 1000.0)
        self.assertEqual(promise.channel, "call")
        self.assertEqual(promise.grace_date, self._d("2026-03-30"))
        self.assertEqual(self.invoice.dunning_promise_date, self._d("2026-03-27"))
        call = promise.action_id
        self.assertEqual(
            (call.channel, call.result, call.state), ("call", "promise", "done")
        )
        self.assertIn(
            "Promise",
            str(self.customer.message_ids[:1].body),
            "the call is posted in the customer's chatter",
        )
        self.assertEqual(self.customer.dunning_promise_count, 1)
        self.assertIn("Promise pending", self.customer.dunning_status)
        # the second reminder was due: held every night until date + grace
        for offset in range(0, 10):
            run = self._run_cron(self.call_day + timedelta(days=offset))
            self.assertEqual(run.skip_promise, 1)
        self.assertFalse(self._reminders())
        self.assertEqual(promise.state, "open")

    def test_promise_kept_sends_nothing(self):
        promise = self._promise()
        self._run_cron("2026-03-24")
        self._pay(self.invoice, day="2026-03-26")
        for day in ("2026-03-27", "2026-03-31", "2026-04-05"):
            self._run_cron(day)
        self.assertEqual(promise.state, "kept")
        self.assertEqual(promise.closed_date, self._d("2026-03-27"))
        self.assertFalse(self._reminders())
        self.assertFalse(self.invoice.dunning_promise_date)
        self.assertEqual(self.customer.dunning_broken_promise_count, 0)
        # kept, but the invoice was paid 25 days late: one to watch for its
        # payments, not for a broken promise
        self.assertEqual(self.customer.dunning_risk, "watch")

    def test_partial_payment_breaks_promise(self):
        promise = self._promise()
        self._pay(self.invoice, amount=400.0, day="2026-03-26")
        run = self._run_cron("2026-03-31")
        self.assertEqual(promise.state, "broken")
        self.assertEqual(run.action_ids.level_id, self.level_second)

    def test_promise_broken_sends_next_level(self):
        promise = self._promise()
        for day in ("2026-03-28", "2026-03-30"):
            self._run_cron(day)
        self.assertEqual(promise.state, "open", "still inside the grace days")
        self.assertFalse(self._reminders())
        run = self._run_cron("2026-03-31")
        self.assertEqual(promise.state, "broken")
        self.assertEqual(promise.closed_date, self._d("2026-03-31"))
        self.assertFalse(self.invoice.dunning_promise_date)
        self.assertEqual(run.action_ids.level_id, self.level_second)
        self.assertEqual(self.invoice.dunning_level_id, self.level_second)
        # the responsible is told, the customer shows it and its risk rises
        activity = self.customer.activity_ids.filtered(
            lambda a: a.summary == "Broken promise of payment"
        )
        self.assertEqual(len(activity), 1)
        self.customer.invalidate_recordset()
        self.assertTrue(self.customer.dunning_promise_broken)
        self.assertIn("Promise broken", self.customer.dunning_status)
        self.assertEqual(self.customer.dunning_risk, "watch")

    def test_formal_notice_quotes_the_broken_promise(self):
        """Issue 14, item 6: the night closes the broken promise before the
        formal notice goes out; the notice still quotes it (DOMAIN.md 3.2)."""
        self._set_level(self.invoice, self.level_last_call, day=self._d("2026-03-20"))
        promise = self._promise(promise_amount=600.0)
        run = self._run_cron("2026-03-31")
        self.assertEqual(promise.state, "broken")
        notice = run.action_ids.filtered(lambda a: a.channel == "letter")
        self.assertTrue(notice.is_formal_notice)
        notice.action_validate()
        html = self.env["ir.actions.report"]._render_qweb_html(
            "account_dunning.action_report_dunning_letter", notice.ids
        )[0]
        text = " ".join(html2plaintext(html.decode()).split())
        # made on the call of 21 March, for 600.00 by 27 March
        self.assertIn("03/21/2026", text)
        self.assertIn("600.00", text)
        self.assertIn("03/27/2026", text)
        self.assertIn("You promised us on 03/21/2026 a payment of", text)
        self.assertIn("we have not received it", text)

    def test_broken_promise_ignores_interval(self):
        """A reminder on another invoice two days before does not delay the next
        level of the invoice whose promise broke."""
        other = self._create_invoice(self.customer, "2026-03-18", amount=500.0)
        self._set_level(other, self.level_first)
        promise = self._promise(
            move_ids=self.invoice, promise_date=self._d("2026-03-24")
        )
        self.assertEqual(promise.move_ids, self.invoice)
        run = self._run_cron("2026-03-26")
        self.assertEqual(run.action_ids.move_ids, other, "the other invoice goes on")
        run = self._run_cron("2026-03-27")
        self.assertFalse(run.action_ids)
        self.assertEqual(promise.state, "open")
        run = self._run_cron("2026-03-28")
        self.assertEqual(promise.state, "broken")
        self.assertEqual(run.action_ids.move_ids, self.invoice)
        self.assertEqual(run.action_ids.level_id, self.level_second)

    def test_repeated_broken_promises_raise_risk(self):
        first = self._promise(promise_date=self._d("2026-03-22"))
        self._run_cron("2026-03-26")
        self.assertEqual(first.state, "broken")
        second = self._promise(
            day=self._d("2026-03-27"), promise_date=self._d("2026-03-28")
        )
        self._run_cron("2026-04-01")
        self.assertEqual(second.state, "broken")
        with freeze_time("2026-04-02"):
            self.customer.invalidate_recordset()
            self.assertEqual(self.customer.dunning_broken_promise_count, 2)
            self.assertEqual(self.customer.dunning_risk, "high")

    def test_invalid_promises_refused(self):
        for values, message in (
            ({"promise_date": self._d("2026-03-20")}, "in the past"),
            ({"promise_amount": 1500.0}, "only 1,000.00"),
            ({"promise_amount": 0.0}, "invoices and an amount"),
        ):
            with self.assertRaises(ValidationError) as caught:
                self._promise(**values)
            self.assertIn(message, str(caught.exception))
        self.assertFalse(
            self.env["account.dunning.promise"].search(
                [("partner_id", "=", self.customer.id)]
            )
        )
        # a promise for today is fine
        promise = self._promise(promise_date=self.call_day)
        self.assertEqual(promise.state, "open")

    def test_written_confirmation(self):
        promise = self._promise(send_confirmation=True)
        message = promise.message_ids.filtered(
            lambda m: m.message_type == "comment" and "confirm" in (m.subject or "")
        )
        self.assertEqual(len(message), 1)
        self.assertIn("1,000.00", str(message.body))
        self.assertIn(self.customer, message.partner_ids)
