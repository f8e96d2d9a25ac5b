from odoo.tests import tagged

from .common import DunningCommon


@tagged("post_install", "-at_install")
class TestRateTableStaleness(DunningCommon):
    """Penalties are never computed on a stale rate without anyone knowing: a
    night in a half-year for which the table holds no rate warns the credit
    manager, once."""

    SUMMARY = "Record the reference rates of the half-year from 07/01/2026"

    def _warnings(self):
        return self.env["mail.activity"].search(
            [
                ("res_model", "=", "res.partner"),
                ("res_id", "=", self.company.partner_id.id),
                ("summary", "=", self.SUMMARY),
            ]
        )

    def test_half_year_without_rates_warns_the_manager_once(self):
        run = self._run_cron("2026-07-10")
        self.assertIn(
            "No rate recorded for the half-year from 07/01/2026", run.rate_warning
        )
        self.assertIn("ECB main refinancing rate", run.rate_warning)
        self.assertIn("French legal interest rate — other cases", run.rate_warning)
        warning = self._warnings()
        self.assertEqual(len(warning), 1)
        self.assertTrue(
            warning.user_id.has_group("account_dunning.group_account_dunning_manager")
        )
        self.assertTrue(self._run_cron("2026-07-11").rate_warning)
        self.assertEqual(len(self._warnings()), 1, "one warning per half-year")
        # the manager records the rates in force on 1 July: the warning stops
        Rate = self.env["account.dunning.rate"]
        Rate.create(
            [
                {"rate_type": "ecb_mro", "date_start": "2026-07-01", "rate": 2.15},
                {
                    "rate_type": "legal_business",
                    "date_start": "2026-07-01",
                    "rate": 2.5,
                },
            ]
        )
        self.assertFalse(self._run_cron("2026-07-12").rate_warning)

    def test_rates_of_the_half_year_recorded_no_warning(self):
        self.assertFalse(self._run_cron("2026-03-10").rate_warning)
        self.assertFalse(
            self.env["mail.activity"].search(
                [
                    ("res_model", "=", "res.partner"),
                    ("res_id", "=", self.company.partner_id.id),
                ]
            )
        )
