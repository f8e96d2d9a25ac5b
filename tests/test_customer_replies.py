from datetime import timedelta

from odoo.tests import Form, tagged

from odoo.addons.mail.tests.common import MockEmail

from .test_delivery_outcome import DeliveryCommon

# The customer answers the reminder email from its mail client: a reply to
# the reminder's Message-Id, as Odoo's mail gateway receives it.
REPLY = """From: Comptabilité Martin <{sender}>
To: {to}
Subject: Re: {subject}
Date: Tue, 2 Jun 2026 09:30:00 +0200
Message-Id: <reply-{tag}@boulangerie-martin.example.com>
In-Reply-To: {message_id}
References: {message_id}
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit

Bonjour, nous avons réglé cette facture hier par virement.
"""


@tagged("post_install", "-at_install")
class TestCustomerReplies(DeliveryCommon, MockEmail):
    """The customer's reply to a reminder email lands in the customer's
    chatter, and the work queue shows the customer as replied, first, until a
    user handles the reply."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # a customer owing much more, first in the queue by priority
        cls.garage = cls._create_customer("Garage Dupont")
        cls._create_invoice(cls.garage, cls.today - timedelta(days=30), amount=50000.0)

    def _reply(self, tag="1"):
        """Tonight's reminder email leaves; the customer answers it."""
        email = self._night(self.today)
        with self.mock_mail_gateway():
            self.env.ref(
                "mail.ir_cron_mail_scheduler_action"
            ).sudo().method_direct_trigger()
        self.assertEqual(email.state, "done")
        self.env["mail.thread"].sudo().message_process(
            False,
            REPLY.format(
                sender=self.address,
                to=self.company.email,
                subject=email.mail_id.subject,
                tag=tag,
                message_id=email.mail_id.message_id,
            ),
        )
        return email

    def _rows(self):
        # the view reads the database: what this request wrote goes there
        # first, as at the end of a user's request
        self.env.flush_all()
        Queue = self.env["account.dunning.queue"]
        Queue.invalidate_model()
        return Queue.search([("partner_id", "in", (self.customer + self.garage).ids)])

    def test_reply_lands_in_the_customer_chatter(self):
        self.assertEqual(self._rows().partner_id[:1], self.garage)
        email = self._reply()
        reply = self.customer.message_ids.filtered(lambda m: m.message_type == "email")
        self.assertEqual(len(reply), 1)
        self.assertIn("nous avons réglé cette facture", str(reply.body))
        self.assertEqual(reply.author_id, self.customer)
        self.assertFalse(
            email.message_ids.filtered(lambda m: m.message_type == "email"),
            "not on the reminder",
        )
        self.assertIn(
            "The customer replied",
            "".join(str(body) for body in email.message_ids.mapped("body")),
        )
        answer = self.env["account.dunning.reply"].search(
            [("partner_id", "=", self.customer.id)]
        )
        self.assertEqual(
            (answer.action_id, answer.message_id, answer.state),
            (email, reply, "new"),
        )
        self.assertIn("nous avons réglé", answer.preview)
        # the work queue: replied, before a customer owing fifty times more
        rows = self._rows()
        self.assertEqual(rows.partner_id, self.customer + self.garage)
        row = rows[0]
        self.assertTrue(row.replied)
        self.assertEqual(row.next_action, "replied")
        self.assertIn(row, row.search([("next_action", "=", "replied")]))
        action = row.action_do_next()
        self.assertEqual(
            (action["res_model"], action["res_id"]), ("res.partner", self.customer.id)
        )
        # a credit controller marks it handled
        row.action_mark_reply_handled()
        self.assertEqual(answer.state, "handled")
        self.assertEqual(answer.handled_by_id, self.env.user)
        rows = self._rows()
        self.assertEqual(rows.partner_id[:1], self.garage)
        row = rows.filtered(lambda r: r.partner_id == self.customer)
        self.assertFalse(row.replied)
        self.assertNotEqual(row.next_action, "replied")

    def test_replies_list(self):
        """The replies wait in their own list too, and are handled from it."""
        self._reply("2")
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "account_dunning.account_dunning_reply_action"
        )
        Reply = self.env["account.dunning.reply"]
        to_read = Reply.search([("state", "=", "new")])
        self.assertEqual(to_read.partner_id, self.customer)
        self.assertIn("filter_new", action["context"])
        opened = to_read.action_open_partner()
        self.assertEqual(opened["res_id"], self.customer.id)
        to_read.action_mark_handled()
        self.assertFalse(self._rows()[0].replied)

    def test_logging_a_call_handles_the_reply(self):
        self._reply("3")
        answer = self.env["account.dunning.reply"].search(
            [("partner_id", "=", self.customer.id)]
        )

        def log_call(result):
            action = self.customer.action_dunning_log_call()
            form = Form(self.env[action["res_model"]].with_context(**action["context"]))
            form.result = result
            form.save().action_confirm()

        log_call("no_answer")
        self.assertEqual(answer.state, "new", "nobody spoke to the customer")
        log_call("reached")
        self.assertEqual(answer.state, "handled")
        self.assertEqual(self._rows()[0].partner_id, self.garage)
