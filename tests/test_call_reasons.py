from odoo.tests import tagged

from .test_call_log import CallCommon


@tagged("post_install", "-at_install")
class TestCallReasons(CallCommon):
    """The reason a customer gives on the phone is stored on the call, and the
    dashboard counts and sums the reasons given per month."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.controller = cls._create_user(
            "controleur_appels", "account_dunning.group_account_dunning_user"
        )
        cls._create_invoice(cls.customer, "2026-03-01", amount=1200.0)
        cls._create_invoice(cls.customer, "2026-03-05", amount=800.0)
        cls.garage = cls._create_customer("Garage Dupont")
        cls._create_invoice(cls.garage, "2026-03-02", amount=500.0)
        cls.payment_run = cls.env.ref("account_dunning.excuse_payment_run")
        cls.cash = cls.env.ref("account_dunning.excuse_cash_problems")

    def _call(self, partner, day, **values):
        customer = partner.with_user(self.controller)
        wizard = self._wizard(
            customer.action_dunning_log_call(), day, env=customer.env, **values
        )
        self._confirm(wizard, day)
        return self.env["account.dunning.action"].search(
            [("partner_id", "=", partner.id), ("channel", "=", "call")],
            order="id desc",
            limit=1,
        )

    def test_reason_stored_on_the_call_and_counted_per_month(self):
        first = self._call(
            self.customer, "2026-03-10", result="reached", reason_id=self.payment_run
        )
        self.assertEqual(first.reason_id, self.payment_run)
        self.assertEqual(first.amount_due, 2000.0)
        self.assertIn(
            self.payment_run.name,
            "".join(str(body) for body in self.customer.message_ids.mapped("body")),
            "the chatter still tells it",
        )
        self._call(
            self.garage, "2026-03-20", result="reached", reason_id=self.payment_run
        )
        self._call(self.customer, "2026-04-02", result="reached", reason_id=self.cash)
        # a call without a reason is not a reason given
        self._call(self.customer, "2026-04-03", result="reached")
        self.env.flush_all()
        Report = self.env["account.dunning.report.reason"].with_user(self.controller)
        groups = Report._read_group(
            [("partner_id", "in", (self.customer + self.garage).ids)],
            ["reason_id", "date:month"],
            ["__count", "call_count:sum", "amount:sum"],
        )
        self.assertEqual(
            sorted(
                (reason.name, month.strftime("%Y-%m"), count, calls, amount)
                for reason, month, count, calls, amount in groups
            ),
            sorted(
                [
                    (self.payment_run.name, "2026-03", 2, 2, 2500.0),
                    (self.cash.name, "2026-04", 1, 1, 2000.0),
                ]
            ),
        )
        rows = Report.search([("reason_id", "=", self.cash.id)])
        self.assertEqual(rows.category, self.cash.category)
        self.assertEqual(rows.result, "reached")
        action = rows.action_open_calls()
        calls = self.env["account.dunning.action"].search(action["domain"])
        self.assertEqual(calls.reason_id, self.cash)
        self.assertEqual(calls.date, self._d("2026-04-02"))
