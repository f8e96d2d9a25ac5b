from odoo.exceptions import AccessError, ValidationError
from odoo.tests import tagged

from .common import DunningCommon


@tagged("post_install", "-at_install")
class TestPolicyConfiguration(DunningCommon):
    def test_default_policies_shipped(self):
        policies = self.env["account.dunning.policy"].search(
            [("company_id", "=", self.company.id)]
        )
        self.assertEqual(len(policies), 2)
        self.assertEqual(
            self.policy._get_ordered_levels().mapped("delay"), [-5, 0, 8, 20, 25, 30]
        )
        self.assertTrue(self.level_notice.is_formal_notice)
        self.assertFalse(self.level_notice.auto_execute)
        self.assertEqual(self.policy.min_interval_days, 5)

    def test_delays_must_increase(self):
        with self.assertRaisesRegex(ValidationError, "must increase"):
            self.level_call.delay = -1

    def test_formal_notice_is_last_and_not_automatic(self):
        with self.assertRaisesRegex(ValidationError, "last level"):
            self.env["account.dunning.level"].create(
                {
                    "policy_id": self.policy.id,
                    "sequence": 100,
                    "name": "After the notice",
                    "delay": 60,
                    "send_letter": True,
                }
            )
        with self.assertRaisesRegex(ValidationError, "approve"):
            self.level_notice.auto_execute = True

    def test_level_needs_a_channel(self):
        with self.assertRaisesRegex(ValidationError, "at least one channel"):
            self.level_call.create_activity = False

    def test_email_level_needs_template(self):
        with self.assertRaisesRegex(ValidationError, "template"):
            self.level_call.send_email = True

    def test_billing_user_reads_history_but_cannot_configure(self):
        billing = self._create_user("billing_only", "account.group_account_invoice")
        self._create_invoice(self.customer, "2026-02-02")
        self._run(self._d("2026-02-03"))
        actions = self.env["account.dunning.action"].with_user(billing).search([])
        self.assertTrue(actions)
        with self.assertRaises(AccessError):
            self.policy.with_user(billing).min_interval_days = 1
        with self.assertRaises(AccessError):
            actions[0].with_user(billing).note = "Rappelé"
        controller = self._create_user(
            "credit_controller", "account_dunning.group_account_dunning_user"
        )
        with self.assertRaises(AccessError):
            self.policy.with_user(controller).min_interval_days = 1
