from datetime import timedelta

from odoo import Command
from odoo.tests import Form, tagged
from odoo.tools import SQL

from odoo.addons.account_dunning.models.account_dunning_rule import SKIP_CAUSES

from .common import DunningCommon


@tagged("post_install", "-at_install")
class TestRuleOneSource(DunningCommon):
    """Every caller asks the same rule (`account.dunning.rule`): the nightly
    run, the "Relancer" wizard, the invoice's next reminder, the penalties."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.due = cls._d("2026-05-29")
        cls.Rule = cls.env["account.dunning.rule"]

    def test_open_invoices_domain_and_sql_agree(self):
        """The domain the wizards search with and the SQL the engine reads with
        find the same invoices."""
        open_invoice = self._create_invoice(self.customer, self.due)
        draft = self._create_invoice(self.customer, self.due, post=False)
        paid = self._create_invoice(self.customer, self.due)
        self._pay(paid)
        refund = self.env["account.move"].create(
            {
                "move_type": "out_refund",
                "partner_id": self.customer.id,
                "invoice_date": self.due,
                "invoice_line_ids": [
                    Command.create({"name": "Avoir", "quantity": 1, "price_unit": 50})
                ],
            }
        )
        refund.action_post()
        mine = (open_invoice | draft | paid | refund).ids
        by_domain = self.env["account.move"].search(
            self.Rule._get_open_invoice_domain(self.company) + [("id", "in", mine)]
        )
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                "SELECT m.id FROM account_move m WHERE %s AND m.id = ANY(%s)",
                self.Rule._get_open_invoice_sql("m"),
                mine,
            )
        )
        by_sql = {row[0] for row in self.env.cr.fetchall()}
        self.assertEqual(by_domain, open_invoice)
        self.assertEqual(by_sql, set(open_invoice.ids))

    def test_skip_causes_are_the_counters_of_a_run(self):
        """One list of causes: each has a counter on the run and a sentence for
        the wizard."""
        Run = self.env["account.dunning.run"]
        counters = {name for name in Run._fields if name.startswith("skip_")}
        self.assertEqual(counters, set(SKIP_CAUSES))
        explanations = self.Rule._get_skip_explanations()
        self.assertEqual(set(explanations) - {"not_due"}, set(SKIP_CAUSES))

    def test_a_call_needs_a_phone_for_the_engine_and_the_wizard_alike(self):
        """A customer without any phone number: the wizard says the call cannot
        be made, and the nightly job fails the call reminder with the same
        reason instead of scheduling a call nobody can make."""
        mute = self._create_customer("Sans Téléphone", phone=False, mobile=False)
        day = self.env["account.dunning.run"]._company_today(self.company)
        invoice = self._create_invoice(
            mute, day - timedelta(days=self.level_call.delay)
        )
        self._set_level(invoice, self.level_first)
        form = Form(
            self.env["account.dunning.wizard"].with_context(
                active_model="account.move", active_ids=invoice.ids
            )
        )
        with form.line_ids.edit(0) as line:
            self.assertEqual(line.level_id, self.level_call)
            self.assertIn("No phone number", line.unreachable)
        run = self._run(day)
        call = run.action_ids
        self.assertEqual(call.channel, "call")
        self.assertEqual(call.state, "failed")
        self.assertEqual(call.error_message, "No phone number for this customer.")
        self.assertFalse(call.activity_id)
        self.assertEqual(invoice.dunning_level_id, self.level_first)

    def test_collective_proceedings_stop_reminders_and_penalties_from_publication(
        self,
    ):
        """Proceedings entered with a publication date to come: reminders and
        penalties go on until that date, and stop from it, in the engine and
        the penalties alike."""
        invoice = self._create_invoice(self.customer, self.due)
        day = self.due + timedelta(days=1)
        self.customer.write(
            {
                "dunning_proceedings": "receivership",
                "dunning_proceedings_date": day + timedelta(days=1),
            }
        )
        self.assertTrue(invoice._get_dunning_penalties(day)[invoice.id]["interest"])
        self.assertEqual(self._run(day).action_ids.move_ids, invoice)
        later = day + timedelta(days=1)
        self.assertFalse(invoice._get_dunning_penalties(later)[invoice.id]["interest"])
        run = self._run(later + timedelta(days=self.level_call.delay))
        self.assertFalse(run.action_ids)
        self.assertEqual(run.skip_proceedings, 1)
