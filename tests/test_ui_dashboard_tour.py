from datetime import timedelta

from odoo import fields
from odoo.tests import HttpCase, tagged

from .common import DunningCommon


@tagged("post_install", "-at_install")
class TestDashboardTour(DunningCommon, HttpCase):
    def test_click_the_bucket_over_90_days_to_its_invoices(self):
        """From the dashboard, the credit controller clicks the amount over
        90 days and reaches the invoices behind it."""
        customer = self._create_customer("Dashboard Customer")
        today = fields.Date.today()
        self._create_invoice(customer, today - timedelta(days=120), amount=2400.0)
        self._create_invoice(customer, today - timedelta(days=10), amount=300.0)
        self.start_tour(
            "/odoo/action-account_dunning.account_dunning_report_aging_action",
            "account_dunning_dashboard_tour",
            login=self.env.user.login,
        )
