import re
from datetime import timedelta

from odoo import Command

from .common import DunningCommon


class PortalCommon(DunningCommon):
    """A customer with three open invoices (two overdue, one not yet due),
    another customer, and the helpers of the customer's page."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Portal = cls.env["account.dunning.portal"]
        cls.Answer = cls.env["account.dunning.portal.answer"]
        cls.today = cls.Portal._get_today(cls.company)
        cls.controller = cls.env["res.users"].create(
            {
                "name": "Credit Controller",
                "login": "portal_credit_controller",
                "email": "controller@example.com",
                "company_id": cls.company.id,
                "company_ids": [Command.set(cls.company.ids)],
            }
        )
        cls.customer.dunning_responsible_id = cls.controller
        cls.inv_old = cls._create_invoice(
            cls.customer, cls.today - timedelta(days=40), amount=1000.0
        )
        cls.inv_late = cls._create_invoice(
            cls.customer, cls.today - timedelta(days=10), amount=500.0
        )
        cls.inv_next = cls._create_invoice(
            cls.customer, cls.today + timedelta(days=20), amount=300.0
        )
        cls.invoices = cls.inv_old | cls.inv_late | cls.inv_next
        cls.other = cls._create_customer("Quincaillerie Durand")
        cls.other_invoice = cls._create_invoice(
            cls.other, cls.today - timedelta(days=30), amount=700.0
        )
        cls.token = cls.customer.dunning_access_token

    @classmethod
    def _prepare_demo_provider(cls):
        """Odoo's demo payment provider, in the test company."""
        demo = cls.env.ref("payment.payment_provider_demo").sudo()
        provider = demo.copy(
            {
                "company_id": cls.company.id,
                "state": "test",
                "is_published": True,
                "payment_method_ids": [Command.set(demo.payment_method_ids.ids)],
            }
        )
        demo.payment_method_ids.active = True
        provider.journal_id = cls.company_data["default_journal_bank"]
        return provider

    def _form(self, moves, **values):
        return {"move_ids": [str(move_id) for move_id in moves.ids], **values}

    def _portal_actions(self, partner=None):
        return self.env["account.dunning.action"].search(
            [
                ("partner_id", "=", (partner or self.customer).id),
                ("channel", "=", "portal"),
            ]
        )

    @staticmethod
    def _csrf(html):
        return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
