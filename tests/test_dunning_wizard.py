from datetime import timedelta

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import Form, tagged

from .common import DunningCommon


@tagged("post_install", "-at_install")
class TestDunningWizard(DunningCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.today = cls.env["account.dunning.run"]._company_today(cls.company)
        cls.other = cls._create_customer("Garage Dupont")
        cls.Wizard = cls.env["account.dunning.wizard"]

    def _open(self, records):
        return Form(
            self.Wizard.with_env(records.env).with_context(
                active_model=records._name, active_ids=records.ids
            )
        )

    def _days_ago(self, days):
        return self.today - timedelta(days=days)

    def test_invoices_of_two_customers(self):
        inv_a1 = self._create_invoice(self.customer, self._days_ago(10), 1000.0)
        inv_a2 = self._create_invoice(self.customer, self._days_ago(3), 500.0)
        inv_b = self._create_invoice(self.other, self._days_ago(12), 800.0)
        self._set_level(inv_b, self.level_first)
        form = self._open(inv_a1 | inv_a2 | inv_b)
        self.assertEqual(len(form.line_ids), 2)
        with form.line_ids.edit(0) as line_a:
            self.assertEqual(line_a.partner_id, self.customer)
            self.assertAlmostEqual(line_a.amount_due, 1500.0)
            self.assertEqual(line_a.proposed_level_id, self.level_first)
            self.assertEqual(line_a.level_id, self.level_first)
            self.assertTrue(line_a.send_email)
            self.assertFalse(line_a.send_letter)
            self.assertIn(inv_a1.name, line_a.preview)
        with form.line_ids.edit(1) as line_b:
            self.assertEqual(line_b.partner_id, self.other)
            self.assertAlmostEqual(line_b.amount_due, 800.0)
            self.assertEqual(line_b.proposed_level_id, self.level_call)
            # the user escalates to the second reminder, but by email only
            line_b.level_id = self.level_second
            self.assertTrue(line_b.send_email)
            self.assertTrue(line_b.send_letter)
            line_b.send_letter = False
        wizard = form.save()
        result = wizard.action_confirm()
        actions = self.env["account.dunning.action"].search(result["domain"])
        self.assertEqual(len(actions), 2)
        action_a = actions.filtered(lambda a: a.partner_id == self.customer)
        action_b = actions.filtered(lambda a: a.partner_id == self.other)
        self.assertEqual(action_a.level_id, self.level_first)
        self.assertEqual(action_a.move_ids, inv_a1 | inv_a2)
        self.assertEqual(action_b.level_id, self.level_second)
        self.assertEqual(action_b.channel, "email")
        # the first reminder attaches the invoice PDFs: its email waits for
        # the job that renders them
        self.assertEqual(action_a.state, "queued")
        self._render_invoice_pdfs()
        # the emails count once Odoo's mail queue has sent them
        self.assertEqual(actions.mapped("state"), ["sending", "sending"])
        self.assertFalse(inv_a1.dunning_level_id)
        self._send_reminder_emails()
        self.assertEqual(actions.mapped("state"), ["done", "done"])
        self.assertEqual(actions.run_id.trigger, "manual")
        self.assertEqual(actions.run_id.state, "done")
        self.assertEqual(actions.run_id.action_count, 2)
        self.assertEqual(inv_a1.dunning_level_id, self.level_first)
        self.assertEqual(inv_a2.dunning_level_id, self.level_first)
        self.assertEqual(inv_b.dunning_level_id, self.level_second)

    def test_open_from_customer(self):
        overdue = self._create_invoice(self.customer, self._days_ago(5), 300.0)
        not_due = self._create_invoice(self.customer, self.today + timedelta(days=30))
        self._create_invoice(self.other, self._days_ago(5))
        action = self.customer.action_dunning_wizard()
        self.assertEqual(action["res_model"], "account.dunning.wizard")
        form = Form(self.Wizard.with_context(**action["context"]))
        self.assertEqual(len(form.line_ids), 1)
        with form.line_ids.edit(0) as line:
            self.assertAlmostEqual(line.amount_due, 300.0)
            self.assertEqual(line.level_id, self.level_first)
            self.assertEqual(len(line.move_ids), 2)
        wizard = form.save()
        moves = wizard.line_ids.move_ids
        self.assertEqual(moves.move_id, overdue | not_due)
        self.assertTrue(moves.filtered(lambda m: m.move_id == overdue).to_remind)
        self.assertFalse(moves.filtered(lambda m: m.move_id == not_due).to_remind)
        wizard.action_confirm()
        self.assertEqual(self._actions().move_ids, overdue)
        self.assertFalse(not_due.dunning_level_id)

    def test_invalid_selection(self):
        good = self._create_invoice(self.customer, self._days_ago(10))
        bill = self.init_invoice(
            "in_invoice", partner=self.customer, amounts=[100.0], post=True
        )
        draft = self._create_invoice(self.customer, self._days_ago(10), post=False)
        paid = self._create_invoice(self.customer, self._days_ago(10))
        self._pay(paid)
        for wrong in (bill, draft, paid):
            with self.assertRaises(UserError) as error:
                self._open(good | wrong)
            self.assertIn(wrong.display_name, str(error.exception))
        with self.assertRaises(UserError):
            Form(self.Wizard.with_context(active_model="account.move", active_ids=[]))

    def test_disputed_invoice_not_reminded(self):
        disputed = self._create_invoice(self.customer, self._days_ago(10))
        disputed.is_disputed = True
        normal = self._create_invoice(self.customer, self._days_ago(10))
        wizard = self._open(disputed | normal).save()
        line = wizard.line_ids
        self.assertIn(disputed.name, line.warning)
        self.assertIn("in dispute", line.warning)
        wizard_move = line.move_ids.filtered(lambda m: m.move_id == disputed)
        self.assertFalse(wizard_move.to_remind)
        self.assertFalse(wizard_move.can_remind)
        wizard_move.to_remind = True  # forced through RPC: still refused
        wizard.action_confirm()
        self.assertEqual(self._actions().move_ids, normal)
        self.assertFalse(disputed.dunning_level_id)

    def test_customer_to_reconcile(self):
        invoice = self._create_invoice(self.customer, self._days_ago(10))
        refund = self.init_invoice(
            "out_refund", partner=self.customer, amounts=[1500.0], post=True
        )
        self.assertTrue(refund)
        wizard = self._open(invoice).save()
        self.assertIn("reconcile", wizard.line_ids.warning)
        self.assertFalse(wizard.line_ids.level_id)
        self.assertFalse(wizard.line_ids.move_ids.can_remind)
        with self.assertRaises(UserError):
            wizard.action_confirm()

    def test_unreachable_customer(self):
        customer = self._create_customer("Sans Courriel", email=False, street=False)
        invoice = self._create_invoice(customer, self._days_ago(22))
        self._set_level(invoice, self.level_call)
        line = self._open(invoice).save().line_ids
        self.assertEqual(line.level_id, self.level_second)
        self.assertIn("Email", line.unreachable)
        self.assertIn("Letter", line.unreachable)
        line.contact_ids = [Command.set(self.customer.ids)]
        line.send_letter = False
        self.assertFalse(line.unreachable)

    def test_nothing_twice(self):
        invoice = self._create_invoice(self.customer, self._days_ago(10))
        wizard = self._open(invoice).save()
        wizard.action_confirm()
        self.assertEqual(len(self._actions()), 1)
        with self.assertRaises(UserError) as error:
            wizard.action_confirm()
        self.assertIn(invoice.name, str(error.exception))
        self.assertEqual(len(self._actions()), 1)

    def test_formal_notice_needs_manager(self):
        invoice = self._create_invoice(self.customer, self._days_ago(40))
        self._set_level(invoice, self.level_last_call)
        user = self._create_user(
            "wizard_user", "account_dunning.group_account_dunning_user"
        )
        wizard = self._open(invoice.with_user(user)).save()
        self.assertEqual(wizard.line_ids.level_id, self.level_notice)
        wizard.action_confirm()
        notice = self._actions()
        self.assertEqual(notice.state, "draft")
        self.assertEqual(invoice.dunning_level_id, self.level_last_call)

    def test_queries_do_not_grow_with_invoices(self):
        customers = self.env["res.partner"].create(
            [
                {"name": f"Client {i}", "is_company": True, "email": f"c{i}@x.example"}
                for i in range(40)
            ]
        )
        moves = self.env["account.move"].create(
            [
                {
                    "move_type": "out_invoice",
                    "partner_id": customers[i % 40].id,
                    "invoice_date": self._days_ago(10 + i % 7),
                    "invoice_date_due": self._days_ago(10 + i % 7),
                    "invoice_payment_term_id": False,
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "name": "Prestation",
                                "quantity": 1,
                                "price_unit": 100.0,
                                "tax_ids": [Command.clear()],
                            }
                        )
                    ],
                }
                for i in range(200)
            ]
        )
        moves.action_post()

        def queries_for(selection, customers=40):
            self.env.flush_all()
            self.env.invalidate_all()
            wizard_model = self.Wizard.with_context(
                active_model="account.move", active_ids=selection.ids
            )
            start = self.env.cr.sql_log_count
            wizard = wizard_model.new(wizard_model.default_get(["line_ids"]))
            for line in wizard.line_ids:
                # reading the fields computes them, as the web client does
                line.contact_ids  # noqa: B018 pylint: disable=pointless-statement
                line.unreachable  # noqa: B018 pylint: disable=pointless-statement
                line.preview  # noqa: B018 pylint: disable=pointless-statement
            self.assertEqual(len(wizard.line_ids), customers)
            return self.env.cr.sql_log_count - start

        queries_for(moves[:10], customers=10)  # Odoo's caches (rules, defaults)
        few = queries_for(moves[:10], customers=10)
        small = queries_for(moves[:50])
        large = queries_for(moves)
        self.assertLess(large - small, 10, (small, large))
        # nor with the customers (their contacts are read at once)
        self.assertLess(small - few, 10, (few, small))
