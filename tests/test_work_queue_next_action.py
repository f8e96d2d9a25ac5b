import base64
from datetime import datetime, time, timedelta

from freezegun import freeze_time
from lxml import etree

from odoo import Command
from odoo.tests import Form, tagged
from odoo.tools.safe_eval import safe_eval

from .common import EARLIER_REMINDER, DunningCommon


@tagged("post_install", "-at_install")
class TestWorkQueueNextAction(DunningCommon):
    """The work queue says, for each customer, what to do next (a verb), in
    the documented order, and its button does it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Rule = cls.env["account.dunning.rule"]
        cls.today = today = Rule._get_company_today(cls.company)
        cls.controller = cls._create_user(
            "queue_controller", "account_dunning.group_account_dunning_manager"
        )

        def customer(name):
            return cls._create_customer(name, dunning_responsible_id=cls.controller.id)

        # formal notice to approve: the night prepares it (manual level)
        cls.to_approve = customer("Approve Customer")
        invoice = cls._create_invoice(cls.to_approve, today - timedelta(days=45))
        cls._set_level(invoice, cls.level_last_call, day=today - timedelta(days=20))
        run = cls.env["account.dunning.run"].create(
            {"company_id": cls.company.id, "date": today}
        )
        run.action_run()
        cls.notice = cls.env["account.dunning.action"].search(
            [("partner_id", "=", cls.to_approve.id), ("state", "=", "draft")]
        )
        # the others come after the night, as the day goes on

        # deadline of a formal notice sent 40 days ago has passed
        cls.to_hand_over = customer("Hand Over Customer")
        invoice = cls._create_invoice(cls.to_hand_over, today - timedelta(days=80))
        cls._set_level(invoice, cls.level_notice, day=today - timedelta(days=40))

        # a letter confirmed, to print here (it also has a level due)
        cls.to_print = customer("Print Customer")
        invoice = cls._create_invoice(cls.to_print, today - timedelta(days=30))
        cls._set_level(invoice, cls.level_first, day=today - timedelta(days=1))
        cls._set_level(invoice, cls.level_second, day=today)
        cls.letter = cls.env["account.dunning.action"].search(
            [
                ("partner_id", "=", cls.to_print.id),
                ("level_id", "=", cls.level_second.id),
            ]
        )
        cls.letter.write(
            {"channel": "letter", "state": "to_send", "send_mode": "print"}
        )

        # a call planned for today
        cls.to_call = customer("Call Customer")
        cls._create_invoice(cls.to_call, today - timedelta(days=3))
        cls.to_call.activity_schedule(
            "mail.mail_activity_data_call",
            date_deadline=today,
            user_id=cls.controller.id,
        )

        # the customer says it has paid
        cls.to_check = customer("Declared Customer")
        invoice = cls._create_invoice(cls.to_check, today - timedelta(days=12))
        cls.declaration = cls.env["account.dunning.declaration"].create(
            {
                "company_id": cls.company.id,
                "partner_id": cls.to_check.id,
                "kind": "paid",
                "move_ids": [Command.set(invoice.ids)],
                "declared_date": today,
                "date": today - timedelta(days=1),
                "amount": 1000.0,
            }
        )

        # money received from the customer, not reconciled yet
        cls.to_reconcile = customer("Bank Customer")
        cls._create_invoice(cls.to_reconcile, today - timedelta(days=12))
        cls.bank_line = cls.env["account.bank.statement.line"].create(
            {
                "journal_id": cls.company_data["default_journal_bank"].id,
                "date": today,
                "payment_ref": "VIR BANK CUSTOMER",
                "amount": 1000.0,
                "partner_id": cls.to_reconcile.id,
            }
        )

        # a promise of payment due today, still open
        cls.promised = customer("Promise Customer")
        invoice = cls._create_invoice(cls.promised, today - timedelta(days=12))
        cls.promise = cls.env["account.dunning.promise"].create(
            {
                "company_id": cls.company.id,
                "partner_id": cls.promised.id,
                "move_ids": [Command.set(invoice.ids)],
                "date": today,
                "amount": 1000.0,
            }
        )

        # an active payment schedule whose first instalment is 20 days late
        cls.scheduled = customer("Schedule Customer")
        cls._create_invoice(cls.scheduled, today - timedelta(days=60), amount=1200.0)
        # (agreed 40 days ago, its first payment due 20 days later)
        with freeze_time(datetime.combine(today - timedelta(days=40), time(12))):
            wizard = Form(
                cls.env["account.dunning.schedule.wizard"].with_context(
                    active_model="res.partner", active_ids=cls.scheduled.ids
                )
            )
            wizard.instalment_count = 3
            wizard.first_date = today - timedelta(days=20)
            action = wizard.save().action_confirm()
            cls.schedule = cls.env["account.dunning.schedule"].browse(action["res_id"])
            cls.schedule.write(
                {
                    "agreement_date": today - timedelta(days=40),
                    "agreement_file": base64.b64encode(b"signed"),
                    "agreement_filename": "signed.pdf",
                }
            )
            cls.schedule.action_activate()

        # invoices due for their first reminder
        cls.to_remind = customer("Remind Customer")
        cls._create_invoice(cls.to_remind, today - timedelta(days=2))
        cls._create_invoice(cls.to_remind, today - timedelta(days=9), amount=500.0)

        # reminded at the first level yesterday: the phone call level (8
        # days) is 4 days away, nothing to do today
        cls.waiting = customer("Waiting Customer")
        invoice = cls._create_invoice(cls.waiting, today - timedelta(days=4))
        cls._set_level(invoice, cls.level_first, day=today - timedelta(days=1))

        cls.customers = (
            cls.to_approve
            | cls.to_hand_over
            | cls.to_print
            | cls.to_call
            | cls.to_check
            | cls.to_reconcile
            | cls.promised
            | cls.scheduled
            | cls.to_remind
            | cls.waiting
        )

    def _rows(self, domain=()):
        self.env.flush_all()
        Queue = self.env["account.dunning.queue"]
        Queue.invalidate_model()
        return Queue.search([("partner_id", "in", self.customers.ids), *domain])

    def _row(self, customer):
        row = self._rows([("partner_id", "=", customer.id)])
        self.assertEqual(len(row), 1, customer.name)
        return row

    def test_next_action_of_each_customer(self):
        self.assertEqual(len(self.notice), 1)
        self.assertTrue(self.notice.is_formal_notice)
        expected = {
            "Approve Customer": "approve",
            "Hand Over Customer": "hand_over",
            "Print Customer": "print",
            "Call Customer": "call",
            "Declared Customer": "check_payment",
            "Bank Customer": "check_payment",
            "Promise Customer": "promise_due",
            "Schedule Customer": "schedule_late",
            "Remind Customer": "remind",
            "Waiting Customer": False,
        }
        self.assertEqual(
            {row.partner_id.name: row.next_action for row in self._rows()}, expected
        )
        labels = dict(
            self.env["account.dunning.queue"]
            ._fields["next_action"]
            ._description_selection(self.env)
        )
        self.assertEqual(labels["approve"], "Approve the reminders")
        self.assertEqual(labels["schedule_late"], "Instalment late")

    def test_hand_over_comes_first_and_leaves_with_the_case(self):
        """A formal notice past its deadline wins over a reminder to approve;
        once the case is opened, nothing is left to do amicably."""
        row = self._row(self.to_hand_over)
        self.assertTrue(row.hand_over_due)
        self.assertEqual(
            self._rows([("hand_over_due", "=", True)]).partner_id, self.to_hand_over
        )
        self.env["account.dunning.action"].create(
            {
                "company_id": self.company.id,
                "partner_id": self.to_hand_over.id,
                "level_id": self.level_notice.id,
                "date": self.today,
                "channel": "email",
                "state": "draft",
                "note": EARLIER_REMINDER,
            }
        )
        self.assertEqual(self._row(self.to_hand_over).next_action, "hand_over")
        action = self._row(self.to_hand_over).action_do_next()
        self.assertEqual(action["res_model"], "account.dunning.litigation.wizard")
        self.env["account.dunning.litigation"].create(
            {
                "company_id": self.company.id,
                "partner_id": self.to_hand_over.id,
                "route": "agency",
                "date": self.today,
            }
        )
        row = self._row(self.to_hand_over)
        self.assertFalse(row.hand_over_due)
        self.assertEqual(row.next_action, "approve", "the draft still waits")

    def test_approve_opens_the_formal_notice(self):
        action = self._row(self.to_approve).action_do_next()
        self.assertEqual(
            (action["res_model"], action["res_id"]),
            ("account.dunning.action", self.notice.id),
        )

    def test_print_before_remind_then_remind_once_printed(self):
        row = self._row(self.to_print)
        self.assertEqual(row.next_action, "print")
        self.letter.action_mark_printed()
        self.assertEqual(self._row(self.to_print).next_action, "remind")

    def test_buttons_open_the_right_thing(self):
        action = self._row(self.to_call).action_do_next()
        self.assertEqual(action["res_model"], "account.dunning.call.wizard")
        self.assertEqual(action["context"]["default_partner_id"], self.to_call.id)
        action = self._row(self.to_check).action_do_next()
        self.assertEqual(
            (action["res_model"], action["res_id"]),
            ("account.dunning.declaration", self.declaration.id),
        )
        action = self._row(self.to_reconcile).action_do_next()
        self.assertEqual(
            (action["res_model"], action["res_id"]),
            ("account.move", self.bank_line.move_id.id),
        )
        action = self._row(self.promised).action_do_next()
        self.assertEqual(
            (action["res_model"], action["res_id"]),
            ("account.dunning.promise", self.promise.id),
        )
        action = self._row(self.scheduled).action_do_next()
        self.assertEqual(
            (action["res_model"], action["res_id"]),
            ("account.dunning.schedule", self.schedule.id),
        )
        action = self._row(self.to_remind).action_do_next()
        self.assertEqual(action["res_model"], "account.dunning.wizard")

    def test_group_rows_show_the_largest_days_late(self):
        rows = self._rows()
        self.assertEqual(self._row(self.to_hand_over).days_late, 80)
        groups = self.env["account.dunning.queue"].read_group(
            [("partner_id", "in", self.customers.ids)],
            ["days_late", "overdue_amount"],
            ["user_id"],
        )
        self.assertEqual(len(groups), 1)
        self.assertEqual(groups[0]["days_late"], 80, "the largest, not a sum")
        self.assertAlmostEqual(
            groups[0]["overdue_amount"], sum(rows.mapped("overdue_amount"))
        )

    def test_default_filter_shows_the_work_of_today(self):
        """The queue opens on its default filter, which lists every customer
        with something to do and none without."""
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "account_dunning.account_dunning_queue_action"
        )
        self.assertIn("kanban", action["view_mode"])
        context = safe_eval(action["context"], {"uid": self.env.uid})
        defaults = [
            key.removeprefix("search_default_")
            for key, value in context.items()
            if key.startswith("search_default_") and value
        ]
        self.assertEqual(defaults, ["filter_work"])
        arch = self.env.ref("account_dunning.account_dunning_queue_view_search").arch
        node = etree.fromstring(arch).xpath("//filter[@name='filter_work']")[0]
        domain = safe_eval(node.get("domain"), {"uid": self.env.uid})
        shown = self._rows(domain)
        self.assertEqual(shown.partner_id, self.customers - self.waiting)
