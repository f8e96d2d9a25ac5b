/** @odoo-module */

import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("account_dunning_wizard_preview_tour", {
    steps: () => [
        {
            content: "Remind the customer",
            trigger: ".o-form-buttonbox button[name='action_dunning_wizard']",
            run: "click",
        },
        {
            content: "The dialog is extra-large and the channels read as words",
            trigger: ".modal-xl .o_field_widget[name='line_ids'] th[data-name='create_activity']:contains('Call task')",
        },
        {
            content: "The channels are toggles",
            trigger: ".modal .o_data_row:contains('Preview Tour Bakery') td[name='send_email'] .o_boolean_toggle",
        },
        {
            content: "Open the customer's line",
            trigger: ".modal .o_field_widget[name='line_ids'] .o_data_row:contains('Preview Tour Bakery') td[name='partner_id']",
            run: "click",
        },
        {
            content: "Write a personal message",
            trigger: ".modal .o_field_widget[name='personal_message'] textarea",
            run: "edit Following our call this morning",
        },
        {
            content: "Join the account statement",
            trigger: ".modal .o_field_widget[name='attach_statement'] input",
            run: "click",
        },
        {
            content: "Open the Preview tab",
            trigger: ".modal .o_notebook .nav-link:contains('Preview')",
            run: "click",
        },
        {
            content: "The summary is there, the email is not rendered yet",
            trigger: ".modal .o_field_widget[name='preview']:contains('First reminder')",
        },
        {
            content: "The summary shows the message and the statement joined",
            trigger: ".modal .o_field_widget[name='preview']:contains('Following our call this morning'):contains('Account statement - Preview Tour Bakery')",
        },
        {
            content: "Show the email",
            trigger: ".modal .o_field_widget[name='show_preview'] input",
            run: "click",
        },
        {
            content: "The email is rendered for this customer",
            trigger: ".modal .o_field_widget[name='email_preview']:contains('Preview Tour Bakery'):contains('reminder of unpaid invoices')",
        },
        {
            content: "The email carries the message above the invoices",
            trigger: ".modal .o_field_widget[name='email_preview'] .o_dunning_personal_message:contains('Following our call this morning')",
        },
        {
            content: "Close the customer's line",
            trigger: ".modal:not(.o_inactive_modal) .modal-footer button:contains('Discard')",
            run: "click",
        },
        {
            content: "Close the wizard without sending",
            trigger: ".modal:not(.o_inactive_modal) .modal-footer button[special='cancel']",
            run: "click",
        },
        {
            content: "Back on the customer",
            trigger: "body:not(:has(.modal))",
        },
    ],
});
