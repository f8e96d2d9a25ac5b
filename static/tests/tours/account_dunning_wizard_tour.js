/** @odoo-module */

import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("account_dunning_wizard_tour", {
    url: "/odoo/action-account.action_move_out_invoice_type",
    steps: () => [
        {
            content: "Open the search options",
            trigger: ".o_searchview_dropdown_toggler",
            run: "click",
        },
        {
            content: "Filter the overdue invoices",
            trigger: ".o_filter_menu .o_menu_item:contains('Overdue')",
            run: "click",
        },
        {
            content: "Close the search options",
            trigger: ".o_searchview_dropdown_toggler",
            run: "click",
        },
        {
            // The list is reloaded with the filter: wait until the invoice not
            // due yet has left it, or a click could land in the old list.
            content: "Only overdue invoices are listed",
            trigger: ".o_list_view:has(.o_data_row:contains('Wizard Tour Bakery')):not(:has(.o_data_row:contains('Wizard Tour Future')))",
        },
        {
            content: "Select the invoice of the first customer",
            trigger: ".o_data_row:contains('Wizard Tour Bakery') .o_list_record_selector input",
            run: "click",
        },
        {
            content: "Select the invoice of the second customer",
            trigger: ".o_data_row:contains('Wizard Tour Garage') .o_list_record_selector input",
            run: "click",
        },
        {
            content: "Remind them",
            trigger: ".o_control_panel_actions button[name='action_dunning_wizard'], .o_list_buttons button[name='action_dunning_wizard'], button[name='action_dunning_wizard']:contains('Remind')",
            run: "click",
        },
        {
            content: "The wizard shows one line per customer",
            trigger: ".modal .o_field_widget[name='line_ids'] .o_data_row:contains('Wizard Tour Garage')",
        },
        {
            content: "Send the reminders",
            trigger: ".modal-footer button[name='action_confirm']",
            run: "click",
        },
        {
            content: "The reminders are listed",
            trigger: ".o_list_view .o_data_row:contains('Wizard Tour Bakery') td[name='channel']",
        },
        {
            content: "Both customers were reminded",
            trigger: ".o_list_view .o_data_row:contains('Wizard Tour Garage') td[name='channel']",
        },
    ],
});
