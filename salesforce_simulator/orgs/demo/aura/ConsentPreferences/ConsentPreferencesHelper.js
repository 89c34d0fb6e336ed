({
    loadConsents: function (component) {
        var action = component.get('c.getConsents');
        action.setParams({ individualId: component.get('v.individualId') });
        action.setCallback(this, function (response) {
            if (response.getState() === 'SUCCESS') {
                component.set('v.consents', response.getReturnValue());
            }
        });
        $A.enqueueAction(action);
    }
})
