from datetime import timedelta

from odoo import Command
from odoo.tests import Form, tagged

from .common import DunningCommon


@tagged("post_install", "-at_install")
class TestUnreachableFlag(DunningCommon):
    """A reminder waiting for a confirmation that could not reach its customer
    (no postal address for a letter, no email, mobile or phone for the other
    channels: the engine's rule) says so as soon as it exists, on its form,
    in the list and in the work queue, until the customer is completed."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # the work queue lists the customers overdue as of today
        cls.today = cls.env["account.dunning.run"]._company_today(cls.company)
        cls.due = cls.today - timedelta(days=30)
        cls.invoice = cls._create_invoice(cls.customer, cls.due)
        cls._set_level(cls.invoice, cls.level_last_call)
        cls.Action = cls.env["account.dunning.action"]

    def _queue_row(self):
        """The customer's row of the work queue, read again (an SQL view)."""
        self.env["account.dunning.queue"].invalidate_model()
        return self.env["account.dunning.queue"].search(
            [("partner_id", "=", self.customer.id)]
        )

    def test_formal_notice_without_address_flagged_until_fixed(self):
        self.customer.street = False
        notice = self._run_cron(self.today).action_ids
        self.assertTrue(notice.is_formal_notice)
        self.assertEqual(notice.state, "draft")
        self.assertIn("postal address", notice.unreachable_reason)
        # on the reminder's form and in the lists' filter "Cannot be sent"
        self.assertIn("postal address", Form(notice).unreachable_reason)
        unreachable = [("unreachable_reason", "!=", False)]
        self.assertEqual(self.Action.search(unreachable), notice)
        self.assertNotIn(
            notice, self.Action.search([("unreachable_reason", "=", False)])
        )
        # in the work queue: a column and a filter
        row = self._queue_row()
        self.assertEqual(row.unreachable_count, 1)
        self.assertIn(row, row.search([("unreachable_count", ">", 0)]))
        # the credit controller completes the address: the flag clears
        self.customer.street = "12 rue des Lilas"
        self.assertFalse(notice.unreachable_reason)
        self.assertFalse(self.Action.search(unreachable))
        self.assertEqual(self._queue_row().unreachable_count, 0)
        self.assertNotIn(row, row.search([("unreachable_count", ">", 0)]))
        notice.action_validate()
        self.assertEqual(notice.state, "to_send")
        self.assertFalse(notice.unreachable_reason, "only reminders to confirm")

    def test_each_channel_as_the_rule_says(self):
        """The flag, its search and the failure at confirmation are the same
        rule (`account.dunning.rule._get_unreachable_reason`)."""
        self.level_first.sms_template_id = self.env.ref(
            "account_dunning.sms_template_dunning_reminder"
        )
        contact = self.env["res.partner"].create(
            {"name": "Service comptable", "parent_id": self.customer.id}
        )
        complete = self.customer
        bare = self._create_customer(
            "Sans coordonnées",
            email=False,
            phone=False,
            mobile=False,
            street=False,
        )
        expected = {}
        for partner, recipients in (
            (complete, complete),
            (bare, bare),
            (complete, contact),
        ):
            for channel in ("email", "sms", "letter", "call"):
                action = self.Action.create(
                    {
                        "partner_id": partner.id,
                        "contact_ids": [Command.set(recipients.ids)],
                        "level_id": self.level_first.id,
                        "date": self.today,
                        "channel": channel,
                        "amount_due": 100.0,
                    }
                )
                expected[action] = self.env[
                    "account.dunning.rule"
                ]._get_unreachable_reason(channel, partner, recipients)
        actions = self.Action.concat(*expected)
        self.assertEqual(
            {action: action.unreachable_reason or None for action in actions}, expected
        )
        flagged = actions.filtered_domain([("unreachable_reason", "!=", False)])
        self.assertEqual(
            self.Action.search(
                [("id", "in", actions.ids), ("unreachable_reason", "!=", False)]
            ),
            flagged,
        )
        # a contact without email, mobile or phone, of a customer with an
        # address: email and SMS flagged, not the letter nor the call
        by_contact = actions.filtered(lambda a: a.contact_ids == contact)
        self.assertEqual(
            sorted(by_contact.filtered("unreachable_reason").mapped("channel")),
            ["email", "sms"],
        )
        self.assertEqual(len(actions.filtered(lambda a: a.partner_id == bare)), 4)
        self.assertTrue(
            all(
                actions.filtered(lambda a: a.partner_id == bare).mapped(
                    "unreachable_reason"
                )
            )
        )
        # confirmed as they stand, the flagged ones fail with the same reason
        for action in actions:
            reason = action.unreachable_reason
            action.action_validate()
            if reason:
                self.assertEqual(
                    (action.state, action.error_message), ("failed", reason)
                )
            else:
                self.assertNotEqual(action.state, "failed")

    def test_flag_costs_no_query_per_reminder(self):
        """The night records its reminders without the flag; reading it for a
        list costs the same whatever the number of reminders."""

        def queries_for(count):
            customers = self.env["res.partner"].concat(
                *(
                    self._create_customer(f"F{count}-{i}", street=False)
                    for i in range(count)
                )
            )
            actions = self.Action.create(
                [
                    {
                        "partner_id": customer.id,
                        "contact_ids": [Command.set(customer.ids)],
                        "level_id": self.level_notice.id,
                        "date": self.today,
                        "channel": "letter",
                        "amount_due": 100.0,
                    }
                    for customer in customers
                ]
            )
            self.env.flush_all()
            self.env.invalidate_all()
            start = self.env.cr.sql_log_count
            reasons = actions.mapped("unreachable_reason")
            self.assertTrue(all(reasons))
            return self.env.cr.sql_log_count - start

        queries_for(2)  # the rule's messages are translated once
        self.assertEqual(queries_for(5), queries_for(25))
