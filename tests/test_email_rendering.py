from datetime import date, timedelta

from odoo.tests import tagged

from .common import DunningCommon


@tagged("post_install", "-at_install")
class TestEmailRendering(DunningCommon):
    """Reminder emails of a batch are compiled once: they must read exactly as
    the generic one-by-one rendering of Odoo's mail templates."""

    def test_batch_rendering_equals_one_by_one(self):
        due = date(2026, 3, 2)
        customers = [self.customer] + [
            self._create_customer(name) for name in ("Garage Dupont", "Café Lenoir")
        ]
        for index, customer in enumerate(customers):
            self._create_invoice(customer, due, amount=100.0 * (index + 1))
            self._create_invoice(customer, due, amount=55.5)
        run = self._run(due + timedelta(days=1))
        emails = run.action_ids.filtered(lambda a: a.channel == "email")
        self.assertEqual(len(emails), 3)
        template = self.level_first.mail_template_id
        batch = template._render_field("body_html", emails.ids)
        for action in emails:
            alone = template._render_field("body_html", action.ids)[action.id]
            self.assertEqual(batch[action.id], alone)
            for move in action.move_ids:
                self.assertIn(move.name, batch[action.id])
        self.assertEqual(len(set(batch.values())), 3, "one body per customer")
        # and what was queued is that body
        for action in emails:
            self.assertIn(action.move_ids[0].name, action.mail_id.body_html)
