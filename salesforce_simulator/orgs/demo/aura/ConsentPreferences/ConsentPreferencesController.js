({
    init: function (component, event, helper) {
        helper.loadConsents(component);
    }
})
