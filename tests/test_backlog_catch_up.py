from datetime import datetime, time, timedelta

from freezegun import freeze_time

from odoo.tests import tagged

from .common import DunningCommon


@tagged("post_install", "-at_install")
class TestBacklogCatchUp(DunningCommon):
    """A company installing the addon on a backlog chooses how invoices never
    reminded start: one step at a time (default) or catching up with their
    age, never at the formal notice without a written reminder before it."""

    def _next(self, invoice, day):
        """The invoice's "next reminder" as its form shows it on `day`."""
        with freeze_time(datetime.combine(day, time(12, 0))):
            invoice.invalidate_recordset(["dunning_next_level_id", "dunning_next_date"])
            return invoice.dunning_next_level_id, invoice.dunning_next_date

    def test_step_mode_is_the_default_and_starts_at_the_first_level(self):
        self.assertEqual(self.company.dunning_start_mode, "step")
        day = self._d("2026-05-11")
        invoice = self._create_invoice(self.customer, day - timedelta(days=40))
        self.assertEqual(self._next(invoice, day)[0], self.level_first)
        self._run_cron(day)
        self.assertEqual(self._actions().level_id, self.level_first)
        self.assertEqual(invoice.dunning_level_id, self.level_first)

    def test_catch_up_starts_at_the_level_the_age_reaches(self):
        settings = self.env["res.config.settings"].create({})
        settings.dunning_start_mode = "catch_up"
        settings.execute()
        self.assertEqual(self.company.dunning_start_mode, "catch_up")
        day = self._d("2026-05-11")
        ten = self._create_customer("Dix Jours")
        twenty_two = self._create_customer("Vingt Deux Jours")
        forty = self._create_customer("Quarante Jours")
        inv_10 = self._create_invoice(ten, day - timedelta(days=10))
        inv_22 = self._create_invoice(twenty_two, day - timedelta(days=22))
        inv_40 = self._create_invoice(forty, day - timedelta(days=40), 700.0)
        # already reminded once: one step at a time from there
        leveled = self._create_invoice(self.customer, day - timedelta(days=40))
        self._set_level(leveled, self.level_first, day=day - timedelta(days=30))
        expected = {
            inv_10: self.level_call,
            inv_22: self.level_second,
            # the last call (25 days) would leave nothing written before the
            # notice: the last written level its age reaches
            inv_40: self.level_second,
            leveled: self.level_call,
        }
        for invoice, level in expected.items():
            self.assertEqual(
                self._next(invoice, day),
                (level, invoice.invoice_date_due + timedelta(days=level.delay)),
                invoice.partner_id.name,
            )
        self._run_cron(day)
        for invoice, level in expected.items():
            actions = self._actions(invoice.partner_id)
            self.assertEqual(actions.level_id, level, invoice.partner_id.name)
            self.assertEqual(
                sorted(actions.mapped("channel")), sorted(level._get_channels())
            )
            self.assertEqual(invoice.dunning_level_id, level)
        self.assertEqual(self._actions(forty).mapped("amount_due"), [700.0, 700.0])

    def test_ninety_days_late_never_gets_the_notice_first(self):
        self.company.dunning_start_mode = "catch_up"
        day = self._d("2026-06-01")
        invoice = self._create_invoice(self.customer, day - timedelta(days=90))
        self.assertEqual(
            self._next(invoice, day),
            (self.level_second, invoice.invoice_date_due + timedelta(days=20)),
        )
        self._run_cron(day)
        first_night = self._actions()
        self.assertEqual(first_night.level_id, self.level_second)
        self.assertEqual(sorted(first_night.mapped("channel")), ["email", "letter"])
        self.assertEqual(first_night.mapped("state"), ["done", "to_send"])
        self.assertFalse(
            self.env["account.dunning.action"].search(
                [("partner_id", "=", self.customer.id), ("is_formal_notice", "=", True)]
            )
        )
        self.assertEqual(invoice.dunning_level_id, self.level_second)
        # from there one step at a time, after the policy's interval (5 days)
        self.assertEqual(
            self._next(invoice, day + timedelta(days=1))[0], self.level_last_call
        )
        self._run_cron(day + timedelta(days=4))
        self.assertEqual(self._actions(), first_night)
        self._run_cron(day + timedelta(days=5))
        call = self._actions() - first_night
        self.assertEqual(call.level_id, self.level_last_call)
        self.assertEqual(call.channel, "call")
        self.assertEqual(
            self._next(invoice, day + timedelta(days=6))[0], self.level_notice
        )
        self._run_cron(day + timedelta(days=10))
        notice = self._actions() - first_night - call
        self.assertEqual(notice.level_id, self.level_notice)
        self.assertEqual(notice.state, "draft", "a formal notice waits for approval")
