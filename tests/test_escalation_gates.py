from datetime import timedelta

from freezegun import freeze_time

from odoo.tests import tagged

from .common import DunningCommon


@tagged("post_install", "-at_install")
class TestEscalationGates(DunningCommon):
    """Who must not be reminded, and the run saying why."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.due = cls._d("2026-04-30")
        cls.day = cls.due + timedelta(days=2)

    def test_paid_by_unreconciled_payment(self):
        """A customer who paid, even if the payment is not matched yet, is never
        reminded: flagged for reconciliation instead."""
        self._create_invoice(self.customer, self.due, amount=1200)
        payment = self.env["account.payment"].create(
            {
                "payment_type": "inbound",
                "partner_type": "customer",
                "partner_id": self.customer.id,
                "amount": 1200,
                "date": self.due,
            }
        )
        payment.action_post()
        run = self._run(self.day)
        self.assertFalse(run.action_ids)
        self.assertEqual(run.skip_to_reconcile, 1)
        self.assertTrue(self.customer.dunning_to_reconcile)
        self.assertIn(
            self.customer,
            self.env["res.partner"].search([("dunning_to_reconcile", "=", True)]),
        )

    def test_fully_paid_invoice_not_read(self):
        invoice = self._create_invoice(self.customer, self.due)
        self._pay(invoice, day=self.due)
        run = self._run(self.day)
        self.assertFalse(run.action_ids)
        self.assertEqual(run.invoice_count, 0)

    def test_excluded_invoice(self):
        excluded = self._create_invoice(self.customer, self.due)
        other = self._create_invoice(self.customer, self.due)
        excluded.action_dunning_exclude()
        run = self._run(self.day)
        self.assertEqual(run.action_ids.move_ids, other)
        self.assertEqual(run.skip_excluded, 1)

    def test_disputed_and_promised_invoices(self):
        disputed = self._create_invoice(self.customer, self.due)
        promised = self._create_invoice(self.customer, self.due)
        disputed.is_disputed = True
        promised.dunning_promise_date = self.day + timedelta(days=3)
        run = self._run(self.day)
        self.assertFalse(run.action_ids)
        self.assertEqual(run.skip_disputed, 1)
        self.assertEqual(run.skip_promise, 1)
        # promise date + grace days passed: the reminder goes out
        later = self.day + timedelta(days=3 + self.policy.grace_days + 1)
        run = self._run(later)
        self.assertEqual(run.action_ids.move_ids, promised)

    def test_blocked_paused_proceedings_minimum(self):
        blocked = self._create_customer("Bloqué", dunning_blocked=True)
        paused = self._create_customer(
            "En pause", dunning_paused_until=self.day + timedelta(days=1)
        )
        insolvent = self._create_customer(
            "En redressement",
            dunning_proceedings="receivership",
            dunning_proceedings_date=self.due,
        )
        small = self._create_customer("Petit solde")
        for partner in (blocked, paused, insolvent):
            self._create_invoice(partner, self.due)
        self._create_invoice(small, self.due, amount=20)
        self.policy.min_amount = 50
        run = self._run(self.day)
        self.assertFalse(run.action_ids)
        self.assertEqual(
            (
                run.skip_blocked,
                run.skip_paused,
                run.skip_proceedings,
                run.skip_minimum,
            ),
            (1, 1, 1, 1),
        )
        # the pause ends: the customer is reminded
        run = self._run(self.day + timedelta(days=2))
        self.assertEqual(run.action_ids.partner_id, paused)

    def test_customer_policy_override(self):
        key_policy = self.env["account.dunning.policy"].search(
            [("company_id", "=", self.company.id), ("id", "!=", self.policy.id)],
            limit=1,
        )
        self.customer.dunning_policy_id = key_policy
        self._create_invoice(self.customer, self.due)
        run = self._run(self.day)
        self.assertFalse(run.action_ids, "key accounts get their first email at D+5")
        run = self._run(self.due + timedelta(days=5))
        self.assertEqual(run.action_ids.level_id.policy_id, key_policy)

    def test_recipients_follow_roles(self):
        accounts_payable = self.env.ref("account_dunning.role_accounts_payable")
        contact = self.env["res.partner"].create(
            {
                "name": "Service comptabilité fournisseurs",
                "parent_id": self.customer.id,
                "type": "invoice",
                "email": "fournisseurs@example.com",
                "dunning_role_ids": [(6, 0, accounts_payable.ids)],
            }
        )
        self._create_invoice(self.customer, self.due)
        run = self._run(self.day)
        self.assertEqual(run.action_ids.contact_ids, contact)
        self.assertIn(contact, run.action_ids.mail_id.recipient_ids)

    def test_payment_behaviour(self):
        """Average delay and share of late invoices over the last twelve months."""
        late = self._create_invoice(self.customer, "2026-04-10")
        on_time = self._create_invoice(self.customer, "2026-04-20")
        self._pay(late, day=self._d("2026-04-30"))
        self._pay(on_time, day=self._d("2026-04-15"))
        with freeze_time("2026-05-15"):
            self.customer.invalidate_recordset()
            self.assertEqual(self.customer.dunning_avg_days_late, 10.0)
            self.assertEqual(self.customer.dunning_late_ratio, 0.5)
