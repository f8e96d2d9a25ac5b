import logging

from odoo import api, fields, models
from odoo.tools import SQL, email_normalize, html2plaintext

from ..lib.sql import array_literal, update_records
from .account_dunning_action import ACTIVE_STATES, DUNNING_STATE_FIELDS

_logger = logging.getLogger(__name__)

# Where the outcomes of reminder emails wait for the end of the transaction's
# sending (`cr.precommit.data`).
OUTCOMES_KEY = "account_dunning.email_outcomes"
# Failure types whose reason, in Odoo's mail queue, is a placeholder.
INVALID_ADDRESS_FAILURES = ("mail_email_invalid", "mail_email_missing")
# The column of a reminder naming what carries it, by channel.
OUTCOME_COLUMNS = {"email": "mail_id", "sms": "sms_id", "letter": "snailmail_letter_id"}


class AccountDunningDelivery(models.AbstractModel):
    """What became of the reminders' emails, SMS and postal letters once in
    Odoo's queues (letters: `_record_snailmail_outcomes`).

    A reminder email or SMS is composed into Odoo's queue (reminder state
    `sending`); it counts (`done`: logged in the chatter, its invoices move
    up) once the server took it, and fails with the server's reason
    otherwise, its invoices staying at the level they had, so the next night
    or Retry tries again. Emails: `mail.mail._postprocess_sent_message`
    (sent, refused, server unreachable; before Odoo deletes the mails sent
    with auto_delete) and bounces (`_record_email_bounce`). SMS: the states
    Odoo's SMS queue writes (`sms.sms.write`). The nightly run catches what
    no hook saw (`_check_stale_deliveries`).
    """

    _name = "account.dunning.delivery"
    _description = "Delivery of dunning emails, SMS and postal letters"

    @api.model
    def _queue_email_outcomes(self, mails, failure_reason=False, failure_type=None):
        """Note the outcome of reminder emails Odoo's mail queue just handled,
        to be applied in a few queries for all the emails of the transaction:
        at the end of `mail.mail.send()`, or with the commit Odoo's scheduler
        makes after each email (`_apply_email_outcomes`)."""
        reminders = mails.filtered(
            lambda mail: mail.model == "account.dunning.action" and mail.res_id
        )
        if not reminders:
            return
        precommit = self.env.cr.precommit
        if OUTCOMES_KEY not in precommit.data:
            precommit.add(self._apply_email_outcomes)
        outcomes = precommit.data.setdefault(OUTCOMES_KEY, {})
        for mail in reminders:
            outcomes[mail.res_id] = (
                mail.id,
                None
                if mail.state == "sent"
                else self._format_email_failure(
                    failure_type or mail.failure_type,
                    failure_reason or mail.failure_reason,
                ),
            )

    @api.model
    def _apply_email_outcomes(self):
        outcomes = self.env.cr.precommit.data.pop(OUTCOMES_KEY, None)
        if outcomes:
            self.sudo()._apply_outcomes("email", outcomes)

    @api.model
    def _record_sms_outcomes(self, sms_records):
        """The SMS queue wrote the state of `sms_records`: accepted by the
        provider ("Sent" or "Delivered"), refused ("Error") or cancelled."""
        Action = self.env["account.dunning.action"]
        Action.flush_model(["sms_id", "channel", "state"])
        self.env.cr.execute(
            SQL(
                """
                SELECT id, sms_id FROM account_dunning_action
                 WHERE sms_id = ANY(%s) AND channel = 'sms'
                   AND state IN ('sending', 'failed')
                """,
                sms_records.ids,
            )
        )
        rows = self.env.cr.fetchall()
        if not rows:
            return
        by_id = {sms.id: sms for sms in sms_records}
        outcomes = {
            action_id: (
                sms_id,
                self._format_sms_failure(
                    by_id[sms_id].state, by_id[sms_id].failure_type
                ),
            )
            for action_id, sms_id in rows
        }
        self.sudo()._apply_outcomes("sms", outcomes)

    @api.model
    def _record_snailmail_outcomes(self, letters):
        """Odoo's postal queue wrote the state of `letters`: posted ("Sent"),
        refused ("Error", e.g. no credit, incomplete address) or cancelled.
        Their reminders follow as emails follow their mail: done and posted
        that day, or failed with the reason (Retry hands the same letter
        back, never a second one)."""
        letters = letters.filtered(
            lambda letter: letter.model == "account.dunning.action"
        )
        if not letters:
            return
        Action = self.env["account.dunning.action"]
        Action.flush_model(["snailmail_letter_id", "channel", "state"])
        self.env.cr.execute(
            SQL(
                """
                SELECT id, snailmail_letter_id FROM account_dunning_action
                 WHERE snailmail_letter_id = ANY(%s) AND channel = 'letter'
                   AND state IN ('sending', 'failed')
                """,
                letters.ids,
            )
        )
        rows = self.env.cr.fetchall()
        if not rows:
            return
        by_id = {letter.id: letter for letter in letters}
        outcomes = {
            action_id: (letter_id, self._format_snailmail_failure(by_id[letter_id]))
            for action_id, letter_id in rows
        }
        done = self.sudo()._apply_outcomes("letter", outcomes)
        self._set_posted_date(done)

    @api.model
    def _set_posted_date(self, actions):
        """A letter the postal service took was posted that day, unless the
        user recorded another date (registered mail)."""
        update_records(
            actions.filtered(lambda a: not a.posted_date),
            {"posted_date": fields.Date.context_today(self)},
        )

    @api.model
    def _format_snailmail_failure(self, letter):
        """Why a postal letter failed (None: the postal service took it)."""
        if letter.state in ("sent", "pending"):
            return None
        if letter.state == "canceled":
            return self.env._(
                "The letter was cancelled in Odoo's postal queue before it was "
                "posted."
            )
        reasons = {
            "CREDIT_ERROR": self.env._(
                "not enough postal credits (IAP snailmail); once credits are "
                "bought, Odoo's postal queue sends it again by itself"
            ),
            "TRIAL_ERROR": self.env._(
                "no postal service account (IAP snailmail) for this database"
            ),
            "NO_PRICE_AVAILABLE": self.env._(
                "the postal service does not serve the customer's country"
            ),
            "MISSING_REQUIRED_FIELDS": self.env._(
                "the customer's postal address is incomplete (street, zip, "
                "city and country are required)"
            ),
            "FORMAT_ERROR": self.env._(
                "the postal service could not print the letter's PDF"
            ),
            "ATTACHMENT_ERROR": self.env._("the letter's PDF could not be found"),
        }
        return self.env._(
            "The letter could not be sent by post: %(reason)s.",
            reason=reasons.get(letter.error_code)
            or html2plaintext(letter._get_error_message(letter.error_code)),
        )

    @api.model
    def _record_email_bounce(self, actions, email):
        """The mail server of a recipient of `actions` sent their email back:
        the reminder fails once every recipient's address bounced (another
        recipient may still have read it), and the chatter says so when it was
        logged as sent."""
        email = email_normalize(email)
        if not email:
            return
        actions = actions.sudo().filtered(
            lambda a: a.channel == "email" and a.state in ("sending", "done")
        )
        for action in actions:
            bounced = set(filter(None, (action.bounced_emails or "").split(",")))
            bounced.add(email)
            recipients = {
                email_normalize(contact.email) or contact.email
                for contact in action.contact_ids
                if contact.email
            }
            if email not in recipients:
                continue  # not the reminder email (a chatter notification)
            vals = {"bounced_emails": ",".join(sorted(bounced))}
            if not recipients <= bounced:
                update_records(action, vals)
                action.message_post(
                    body=self.env._(
                        "The reminder email to %(email)s bounced: that address "
                        "refused it; the other recipients received it.",
                        email=email,
                    )
                )
                continue
            was_done = action.state == "done"
            action._set_state(
                "failed",
                error_message=self.env._(
                    "The email bounced: the mail server of %(emails)s refused it. "
                    "Correct the address, then retry.",
                    emails=", ".join(sorted(bounced)),
                ),
                **vals,
            )
            if was_done:
                self.env["account.dunning.send"]._log_in_chatter(action)

    @api.model
    def _check_stale_deliveries(self, company, worker_count=1, worker=0):
        """Reminders still `sending` although their email or SMS left Odoo's
        queue without a hook seeing it (cancelled or deleted by a user, state
        changed by hand): one query for the company (or the part of its night
        `worker` of `worker_count`), outcomes applied as the hooks would."""
        Action = self.env["account.dunning.action"]
        Action.flush_model(["state", "company_id", "partner_id", "mail_id", "sms_id"])
        self.env["mail.mail"].flush_model(["state", "failure_type", "failure_reason"])
        self.env["sms.sms"].flush_model(["state", "failure_type"])
        self.env.cr.execute(
            SQL(
                """
                SELECT a.id, a.channel, a.mail_id, m.id, m.state, m.failure_type,
                       m.failure_reason, a.sms_id, s.id, s.state, s.failure_type
                  FROM account_dunning_action a
             LEFT JOIN mail_mail m ON m.id = a.mail_id
             LEFT JOIN sms_sms s ON s.id = a.sms_id
                 WHERE a.state = 'sending' AND a.company_id = %(company)s
                   AND MOD(a.partner_id, %(count)s) = %(worker)s
                   AND CASE WHEN a.channel = 'email'
                            THEN m.state IS DISTINCT FROM 'outgoing'
                            ELSE s.state IS NULL
                                 OR s.state NOT IN ('outgoing', 'process')
                       END
                """,
                company=company.id,
                count=worker_count,
                worker=worker,
            )
        )
        outcomes = {"email": {}, "sms": {}}
        for row in self.env.cr.fetchall():
            action_id, channel, mail_id, found_mail, mail_state = row[:5]
            if channel == "email":
                if not found_mail:
                    reason = self.env._(
                        "The email was deleted from Odoo's mail queue before it "
                        "was sent."
                    )
                elif mail_state == "cancel":
                    reason = self.env._(
                        "The email was cancelled in Odoo's mail queue before it "
                        "was sent."
                    )
                elif mail_state == "sent":
                    reason = None
                else:
                    reason = self._format_email_failure(row[5], row[6])
                outcomes["email"][action_id] = (mail_id, reason)
            else:
                sms_id, found_sms, sms_state, sms_failure = row[7:]
                reason = (
                    self._format_sms_failure(sms_state, sms_failure)
                    if found_sms
                    else self.env._(
                        "The SMS was deleted from Odoo's SMS queue before it was "
                        "sent."
                    )
                )
                outcomes["sms"][action_id] = (sms_id, reason)
        for channel, channel_outcomes in outcomes.items():
            if channel_outcomes:
                self.sudo()._apply_outcomes(channel, channel_outcomes)

    @api.model
    def _apply_outcomes(self, channel, outcomes):
        """Apply `outcomes` ({reminder id: (mail or SMS id, failure reason or
        None when the server took it)}) in a few queries, whatever their
        number: reminders `sending` through that email or SMS become done or
        failed, and their lines follow. A reminder that failed, whose very
        email or SMS was sent again by hand from Odoo's queue and taken, is
        done too, unless another reminder covers its invoices since. Returns
        the reminders done."""
        Action = self.env["account.dunning.action"]
        Line = self.env["account.dunning.action.line"]
        column = SQL.identifier("a", OUTCOME_COLUMNS[channel])
        Action.flush_model()
        Line.flush_model(["action_id", "move_id", "level_id", "channel", "state"])
        ids = list(outcomes)
        self.env.cr.execute(
            SQL(
                """
                UPDATE account_dunning_action a
                   SET state = CASE WHEN v.reason IS NULL THEN 'done'
                                    ELSE 'failed' END,
                       error_message = v.reason,
                       write_uid = %(uid)s,
                       write_date = %(now)s
                  FROM unnest(%(ids)s::int4[], %(records)s::int4[],
                              %(reasons)s::text[]) AS v(id, record_id, reason)
                 WHERE a.id = v.id AND a.channel = %(channel)s
                   AND (
                        a.state = 'sending'
                        AND (%(column)s = v.record_id OR %(column)s IS NULL)
                     OR a.state = 'failed' AND v.reason IS NULL
                        AND %(column)s = v.record_id
                        AND NOT EXISTS (
                            SELECT 1
                              FROM account_dunning_action_line l
                              JOIN account_dunning_action_line o
                                ON o.move_id = l.move_id
                               AND o.level_id = l.level_id
                               AND o.channel = l.channel
                               AND o.action_id != l.action_id
                               AND o.state IN %(active)s
                             WHERE l.action_id = a.id)
                   )
             RETURNING a.id, a.state
                """,
                uid=self.env.uid,
                now=self.env.cr.now(),
                ids=array_literal(ids, "int4"),
                records=array_literal([outcomes[i][0] for i in ids], "int4"),
                reasons=array_literal([outcomes[i][1] for i in ids]),
                channel=channel,
                column=column,
                active=ACTIVE_STATES,
            )
        )
        changed = self.env.cr.fetchall()
        if not changed:
            return Action
        self.env.cr.execute(
            SQL(
                """
                UPDATE account_dunning_action_line l SET state = a.state
                  FROM account_dunning_action a
                 WHERE a.id = l.action_id AND a.id = ANY(%s) AND l.state != a.state
                """,
                [row[0] for row in changed],
            )
        )
        Action.invalidate_model(["state", "error_message", "write_uid", "write_date"])
        Line.invalidate_model(["state"])
        self.env["account.move"].invalidate_model(list(DUNNING_STATE_FIELDS))
        done = Action.browse([row[0] for row in changed if row[1] == "done"])
        self.env["account.dunning.send"]._log_in_chatter(done)
        # called from a precommit hook: what it wrote must reach the database
        self.env.flush_all()
        return done

    @api.model
    def _format_email_failure(self, failure_type, failure_reason):
        """Why an email failed, from the failure type and reason Odoo's mail
        queue recorded (the server's own answer when there is one)."""
        labels = dict(
            self.env["mail.mail"]
            ._fields["failure_type"]
            ._description_selection(self.env)
        )
        parts = []
        if failure_type in labels and (failure_type != "unknown" or not failure_reason):
            parts.append(labels[failure_type])
        # for invalid or missing addresses, Odoo's reason is a placeholder
        if failure_reason and failure_type not in INVALID_ADDRESS_FAILURES:
            parts.append(failure_reason.strip())
        return self.env._(
            "The email could not be sent: %(reason)s",
            reason=": ".join(parts) or labels["unknown"],
        )

    @api.model
    def _format_sms_failure(self, state, failure_type):
        """Why an SMS failed (None: the provider took it), from its state and
        failure type in Odoo's SMS queue."""
        if state in ("pending", "sent"):
            return None
        if state == "canceled":
            return self.env._("The SMS was cancelled before it was sent.")
        labels = dict(
            self.env["sms.sms"]._fields["failure_type"]._description_selection(self.env)
        )
        return self.env._(
            "The SMS could not be sent: %(reason)s",
            reason=labels.get(failure_type) or labels["unknown"],
        )
