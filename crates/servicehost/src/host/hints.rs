//! ServiceStack.Text's `__type` hints: the first member of every value whose declared
//! type is an interface (the items of `List<IAffiliateProgram>`) names its concrete
//! class, `"Namespace.Type, Assembly"`, so .NET clients can build it. Worked out once
//! per response type at start-up; answers without interface members pass untouched.

use crate::{Format, TypeInfo};
use serde_json::{Map, Value};
use std::collections::{HashMap, HashSet};

/// Where, under one type, values need a hint, and which.
#[derive(Debug, Default)]
pub(super) struct HintPlan {
    members: Vec<MemberHints>,
}

#[derive(Debug)]
struct MemberHints {
    member: &'static str,
    /// The `__type` of each value of this member (its items, for a list).
    hint: Option<String>,
    /// Hints deeper inside each value.
    inner: HintPlan,
}

/// The plans of the response types that need any, by type name.
#[derive(Debug, Default)]
pub(super) struct TypeHints {
    plans: HashMap<&'static str, HintPlan>,
}

impl TypeHints {
    /// `default_namespace` names a concrete class that declares no namespace.
    pub(super) fn new<'a>(
        types: impl IntoIterator<Item = &'a TypeInfo>,
        assembly: &str,
        default_namespace: &str,
    ) -> TypeHints {
        let mut plans = HashMap::new();
        for ty in types {
            let plan = plan(ty, assembly, default_namespace, &mut HashSet::new());
            if !plan.members.is_empty() {
                plans.insert(ty.name, plan);
            }
        }
        TypeHints { plans }
    }

    /// Whether answers of type `ty` in `format` carry hints.
    pub(super) fn needed(&self, format: Format, ty: &TypeInfo) -> bool {
        matches!(format, Format::Json | Format::Jsv | Format::Jsonl)
            && self.plans.contains_key(ty.name)
    }

    /// As [`TypeHints::apply`], on a value the caller owns: hinted in place, not copied.
    pub(super) fn apply_owned(&self, format: Format, mut value: Value, ty: &TypeInfo) -> Value {
        if let Some(plan) = self.plans.get(ty.name) {
            if self.needed(format, ty) {
                plan.apply(&mut value);
            }
        }
        value
    }

    /// The value with its hints, when `format` carries them (JSON, JSV, JSONL).
    pub(super) fn apply<'v>(
        &self,
        format: Format,
        value: &'v Value,
        ty: &TypeInfo,
    ) -> std::borrow::Cow<'v, Value> {
        match self.plans.get(ty.name) {
            Some(plan) if self.needed(format, ty) => {
                let mut hinted = value.clone();
                plan.apply(&mut hinted);
                std::borrow::Cow::Owned(hinted)
            }
            _ => std::borrow::Cow::Borrowed(value),
        }
    }
}

fn plan(
    ty: &TypeInfo,
    assembly: &str,
    default_namespace: &str,
    visiting: &mut HashSet<&'static str>,
) -> HintPlan {
    if !visiting.insert(ty.name) {
        return HintPlan::default();
    }
    let mut members = Vec::new();
    for member in &ty.members {
        let Some(concrete) = member.nested.map(|n| n()) else {
            continue;
        };
        let hint = member
            .declared_interface()
            .map(|_| format!("{}, {assembly}", concrete.full_name(default_namespace)));
        let inner = plan(&concrete, assembly, default_namespace, visiting);
        if hint.is_some() || !inner.members.is_empty() {
            members.push(MemberHints {
                member: member.name,
                hint,
                inner,
            });
        }
    }
    visiting.remove(ty.name);
    HintPlan { members }
}

impl HintPlan {
    fn apply(&self, value: &mut Value) {
        let Value::Object(object) = value else {
            return;
        };
        for entry in &self.members {
            match object.get_mut(entry.member) {
                Some(Value::Array(items)) => items.iter_mut().for_each(|item| entry.apply(item)),
                Some(single @ Value::Object(_)) => entry.apply(single),
                _ => {}
            }
        }
    }
}

impl MemberHints {
    fn apply(&self, value: &mut Value) {
        if let Some(hint) = &self.hint {
            match std::mem::take(value) {
                // A null item of an interface list is written `{}`, as ServiceStack.Text does.
                Value::Object(members) => {
                    let mut hinted = Map::with_capacity(members.len() + 1);
                    hinted.insert("__type".into(), Value::String(hint.clone()));
                    hinted.extend(members.into_iter().filter(|(key, _)| key != "__type"));
                    *value = Value::Object(hinted);
                }
                _ => *value = Value::Object(Map::new()),
            }
        }
        self.inner.apply(value);
    }
}
