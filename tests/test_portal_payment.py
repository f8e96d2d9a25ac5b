import re

from odoo.tests import HttpCase, tagged
from odoo.tests.common import JsonRpcException
from odoo.tools import mute_logger

from .common_portal import PortalCommon


@tagged("post_install", "-at_install")
class TestPortalPayment(PortalCommon, HttpCase):
    """Paying online from the customer's page goes through Odoo's payment
    flow: the transaction is linked to the invoices chosen and, on success,
    its payment is reconciled with them as for an invoice paid from Odoo's
    own portal."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.provider = cls._prepare_demo_provider()
        cls.method = cls.provider.payment_method_ids[:1]

    def _pay_form(self, moves):
        """The payment form of the page for `moves`: (transaction route,
        payment parameters as Odoo's payment form sends them)."""
        ids = "&".join(f"invoice_ids={move_id}" for move_id in moves.ids)
        page = self.url_open(f"/my/reminders/{self.token}?{ids}").text
        form = re.search(r'<form[^>]*id="o_payment_form"[^>]*>', page).group(0)

        def attribute(name):
            return re.search(rf'{name}="([^"]*)"', form).group(1)

        return attribute("data-transaction-route"), {
            "provider_id": self.provider.id,
            "payment_method_id": self.method.id,
            "token_id": None,
            "amount": float(attribute("data-amount")),
            "flow": "direct",
            "tokenization_requested": False,
            "landing_route": attribute("data-landing-route"),
            "is_validation": False,
            "access_token": attribute("data-access-token"),
        }

    def _route(self, moves, token=None):
        ids = "-".join(str(move_id) for move_id in moves.ids)
        return (
            f"/my/reminders/{token or self.token}/transaction/{self.company.id}/{ids}"
        )

    def test_page_offers_the_payment_form_for_the_chosen_invoices(self):
        page = self.url_open(f"/my/reminders/{self.token}").text
        self.assertIn('id="o_payment_form"', page)
        # at first, the overdue invoices
        self.assertIn(self._route(self.inv_old | self.inv_late), page)
        page = self.url_open(
            f"/my/reminders/{self.token}?invoice_ids={self.inv_next.id}"
        ).text
        self.assertIn(self._route(self.inv_next), page)
        self.assertRegex(page, r'data-amount="300\.0"')
        # another customer's invoice asked for is ignored
        page = self.url_open(
            f"/my/reminders/{self.token}?invoice_ids={self.other_invoice.id}"
        ).text
        self.assertNotIn(
            str(self.other_invoice.id), re.findall(r"transaction/\S+", page)[0]
        )

    def test_pay_with_the_demo_provider_reconciles_the_invoices(self):
        moves = self.inv_old | self.inv_late
        route, params = self._pay_form(moves)
        self.assertEqual(route, self._route(moves))
        self.assertEqual(params["amount"], 1500.0)
        values = self.make_jsonrpc_request(route, dict(params, landing_route="/x"))
        tx = (
            self.env["payment.transaction"]
            .sudo()
            .search([("reference", "=", values["reference"])])
        )
        self.assertEqual(tx.invoice_ids, moves)
        self.assertEqual(tx.partner_id, self.customer)
        self.assertEqual(tx.amount, 1500.0)
        self.assertIn(f"/my/reminders/{self.token}", tx.landing_route)
        self.make_jsonrpc_request(
            "/payment/demo/simulate_payment",
            {
                "reference": tx.reference,
                "payment_details": "4242",
                "simulated_state": "done",
            },
        )
        self.env.invalidate_all()
        self.assertEqual(tx.state, "done")
        tx._post_process()
        self.assertTrue(tx.payment_id)
        for move in moves:
            self.assertIn(move.payment_state, ("paid", "in_payment"))
            self.assertEqual(move.amount_residual, 0.0)
        self.assertEqual(self.inv_next.amount_residual, 300.0)

    @mute_logger("odoo.http")
    def test_payment_refusals(self):
        moves = self.inv_old
        route, params = self._pay_form(moves)
        cases = [
            # another customer's invoice slipped into the selection
            (self._route(moves | self.other_invoice), params),
            (self._route(self.other_invoice), params),
            # a saved card is not offered to whoever holds a link
            (route, dict(params, flow="token")),
            # values the payment flow does not take
            (route, dict(params, partner_id=self.other.id)),
            # a wrong link
            (self._route(moves, "a" * 20), params),
        ]
        for case_route, case_params in cases:
            with self.subTest(route=case_route), self.assertRaises(JsonRpcException):
                self.make_jsonrpc_request(case_route, case_params)
        # the invoices were partly paid since the page was shown
        self._pay(moves, amount=100.0)
        with self.assertRaises(JsonRpcException):
            self.make_jsonrpc_request(route, params)
        self.assertFalse(
            self.env["payment.transaction"]
            .sudo()
            .search_count([("partner_id", "in", (self.customer | self.other).ids)])
        )
