import re

from lxml import html
from markupsafe import Markup

from odoo import Command, api, models
from odoo.tools import safe_eval
from odoo.tools.rendering_tools import parse_inline_template

from ..lib.formats import DunningFormats
from ..lib.sql import update_column

# What `send_mail_batch` renders for each email queued.
QUEUED_MAIL_FIELDS = (
    "attachment_ids",
    "auto_delete",
    "body_html",
    "email_cc",
    "email_from",
    "email_to",
    "mail_server_id",
    "model",
    "partner_to",
    "reply_to",
    "report_template_ids",
    "res_id",
    "scheduled_date",
    "subject",
)
# Bodies whose inline images mail.message's create turns into attachments.
INLINE_IMAGE = re.compile(r"data:image/", re.IGNORECASE)
# Name of the batch's records in the expression evaluated for the batch.
BATCH_RECORDS = "dunning_batch_records"


class MailTemplate(models.Model):
    _inherit = "mail.template"

    @api.model
    def _render_template_qweb(
        self, template_src, model, res_ids, add_context=None, options=None
    ):
        """Reminder emails go out by the thousand: compile their body once for
        the whole batch. The generic renderer parses and compiles the source
        again for every record, which was most of the cost of a nightly run.
        Any failure falls back to the generic renderer, so errors read the same.
        """
        if (
            model != "account.dunning.action"
            or len(res_ids) < 2
            or not template_src
            or not self._has_unsafe_expression_template_qweb(template_src, model)
        ):
            return super()._render_template_qweb(
                template_src, model, res_ids, add_context=add_context, options=options
            )
        variables = self._render_eval_context()
        if add_context:
            variables.update(**add_context)
        try:
            qweb = self.env["ir.qweb"].with_context(**(options or {}))
            qweb = qweb._prepare_environment(variables)
            safe_eval.check_values(variables)
            functions, def_name = qweb._compile(
                html.fragment_fromstring(template_src, create_parent="div")
            )
        except Exception:  # noqa: BLE001 - the generic path reports it
            return super()._render_template_qweb(
                template_src, model, res_ids, add_context=add_context, options=options
            )
        variables.update(self._get_batch_formatters(variables))
        render = functions[def_name]
        results = {}
        for record in self.env[model].browse(res_ids):
            try:
                rendered = Markup("".join(render(qweb, dict(variables, object=record))))
            except Exception:  # noqa: BLE001 - same message as the generic path
                results.update(
                    super()._render_template_qweb(
                        template_src,
                        model,
                        record.ids,
                        add_context=add_context,
                        options=options,
                    )
                )
                continue
            # drop the <div> added to wrap several top nodes into one
            results[record.id] = rendered[5:-6]
        return results

    @api.model
    def _render_template_inline_template(
        self, template_txt, model, res_ids, add_context=None, options=None
    ):
        """Subject, sender, recipients and language of reminder emails: each
        `{{ expression }}` is evaluated once for the whole batch, as one list
        comprehension over the records, instead of once per record (checking
        an expression's bytecode costs more than evaluating it). The first
        record goes through the generic renderer, which checks the user may
        render such expressions; any failure renders the rest there too, so
        errors read the same."""
        if (
            model != "account.dunning.action"
            or len(res_ids) < 2
            or not template_txt
            or not self._has_unsafe_expression_template_inline_template(
                str(template_txt), model
            )
        ):
            return super()._render_template_inline_template(
                template_txt, model, res_ids, add_context=add_context, options=options
            )
        results = super()._render_template_inline_template(
            template_txt, model, res_ids[:1], add_context=add_context, options=options
        )
        try:
            rendered = self._render_inline_template_batch(
                str(template_txt), model, res_ids[1:], add_context
            )
        except Exception:  # noqa: BLE001 - the generic path reports it
            rendered = super()._render_template_inline_template(
                template_txt,
                model,
                res_ids[1:],
                add_context=add_context,
                options=options,
            )
        results.update(rendered)
        return results

    @api.model
    def _render_inline_template_batch(self, template_txt, model, res_ids, add_context):
        """{res_id: text} of an inline template, each expression evaluated by
        `safe_eval` once for all the records. An expression is only embedded
        in the batch's comprehension when it is a valid expression on its own
        (so that the parentheses around it cannot change what it means)."""
        variables = self._render_eval_context()
        if add_context:
            variables.update(**add_context)
        records = self.env[model].browse(res_ids)
        variables[BATCH_RECORDS] = records
        texts = [[] for _record in records]
        for literal, expression, default in parse_inline_template(template_txt):
            values = [None] * len(records)
            if expression:
                if BATCH_RECORDS in expression or safe_eval.test_python_expr(
                    expression
                ):
                    raise ValueError(f"Not evaluated in batch: {expression!r}")
                values = safe_eval.safe_eval(
                    f"[(\n{expression}\n) for object in {BATCH_RECORDS}]", variables
                )
            for parts, value in zip(texts, values, strict=True):
                parts.append(literal)
                value = value or default
                if value:
                    parts.append(str(value))
        return {
            record.id: "".join(parts)
            for record, parts in zip(records, texts, strict=True)
        }

    @api.model
    def _get_batch_formatters(self, variables):
        """`format_date` and `format_amount` of the render context, giving the
        same text for a whole batch at a fraction of the cost: each call of the
        generic ones looks the language up again (half of the time of a
        reminder's body, which formats every invoice's due date and amount).
        Dates are formatted once per batch, amounts with the batch's language
        (`DunningFormats`, tested against Odoo's `format_amount`)."""
        format_date = variables["format_date"]
        format_amount = variables["format_amount"]
        formats = DunningFormats(self.env)
        dates, amounts = {}, {}

        def batch_format_date(date, date_format=False, lang_code=False):
            key = (type(date), date, date_format, lang_code)
            try:
                return dates[key]
            except KeyError:
                dates[key] = format_date(date, date_format, lang_code)
                return dates[key]
            except TypeError:  # not hashable: not worth keeping
                return format_date(date, date_format, lang_code)

        def batch_format_amount(amount, currency, lang_code=False):
            if lang_code:
                return format_amount(amount, currency, lang_code)
            key = (repr(amount), currency)  # 0.0 and -0.0 read differently
            try:
                return amounts[key]
            except KeyError:
                amounts[key] = formats.amount(amount, currency)
                return amounts[key]
            except TypeError:  # not hashable: not worth keeping
                return formats.amount(amount, currency)

        return {"format_date": batch_format_date, "format_amount": batch_format_amount}

    def _dunning_queue_mail_batch(self, res_ids):
        """Queue the emails of the records `res_ids` in Odoo's mail queue, the
        same `mail.mail` (and `mail.message` on each record) as
        `send_mail_batch`, at a cost that grows with batches rather than emails:

        - every field is rendered once per language for the whole batch
          (`_generate_template`), where `send_mail_batch` goes by chunks of 50;
        - the emails are created in one `create`, with the records' names
          computed for the batch (the message computes each on its own);
        - each message body is sanitized once instead of three times (see
          `_dunning_write_message_bodies`).

        A template with a layout goes through `send_mail_batch` (the layout is
        rendered per record). Raises on the first error, like
        `send_mail_batch`; the caller isolates the failing records.
        """
        self.ensure_one()
        if self.email_layout_xmlid or not res_ids:
            return self.send_mail_batch(res_ids)
        self._send_check_access(res_ids)
        rendered = self._generate_template(res_ids, QUEUED_MAIL_FIELDS)
        record_names = {}
        if "default_record_name" not in self.env.context:
            records = self.env[self.model].sudo().browse(res_ids)
            record_names = dict(
                zip(res_ids, records.mapped("display_name"), strict=True)
            )
        vals_list, bodies, reports = [], [], []
        for res_id in res_ids:
            values = rendered[res_id]
            values["recipient_ids"] = [
                Command.link(pid) for pid in values.get("partner_ids") or []
            ]
            values["attachment_ids"] = [
                Command.link(aid) for aid in values.get("attachment_ids") or []
            ]
            reports.append(values.pop("attachments", []))
            if "email_from" in values and not values["email_from"]:
                del values["email_from"]
            if res_id in record_names:
                values["record_name"] = record_names[res_id]
            body = values["body_html"]
            if body and INLINE_IMAGE.search(body):
                values["body"] = body  # the message's create extracts the images
                body = None
            bodies.append(body)
            vals_list.append(values)
        mails = self.env["mail.mail"].sudo().create(vals_list)
        self._dunning_write_message_bodies(mails, bodies)
        for mail, files in zip(mails, reports, strict=True):
            if files:
                # as send_mail_batch: report files attached once the mail exists
                mail.with_context(default_type=None).write(
                    {
                        "attachment_ids": [
                            Command.create(
                                {
                                    "name": name,
                                    "datas": datas,
                                    "type": "binary",
                                    "res_model": "mail.message",
                                    "res_id": mail.mail_message_id.id,
                                }
                            )
                            for name, datas in files
                        ]
                    }
                )
        return mails

    @api.model
    def _dunning_write_message_bodies(self, mails, bodies):
        """Store the body of the mails' messages (None: already stored), as the
        ORM stores it: sanitized by the field itself. Created with the mail,
        a body is sanitized three times (the INSERT's value, the message's
        cache and the mail's cache of the inherited field), half the cost of
        composing an email; written here in one UPDATE after the `create`, it
        is sanitized once. (The ORM's `write` would sanitize it twice and
        issue one UPDATE per message, as every body differs.)"""
        field = self.env["mail.message"]._fields["body"]
        written = [
            (message, field.convert_to_column_insert(body, message))
            for message, body in zip(
                (mail.mail_message_id for mail in mails), bodies, strict=True
            )
            if body is not None
        ]
        if not written:
            return
        messages = mails.mail_message_id.browse([msg.id for msg, _body in written])
        update_column(messages, "body", [body for _msg, body in written], "text")
        mails.invalidate_recordset(["body", "preview"])
        messages.invalidate_recordset(["preview"])
