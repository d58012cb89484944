//! The benchmark's data set, written as an export (JSON lines of `DumpLine`) that
//! `affiliation-api import` loads: users with known API keys (only their SHA-256
//! hashes are in the dump), groups, and each group's overrides for Amazon storefronts.

use affiliation::credentials::IssuedKeys;
use affiliation::model::Program;
use affiliation::store::dump::{to_hex, DumpLine};

const CATALOG: &str = include_str!("../../../catalog/programs.json");

pub struct User {
    pub api_key: String,
}

pub struct Group {
    pub id: i64,
    /// Index into `Dataset::users`.
    pub owner: usize,
    /// GUIDs of the group's override token sets, one per program.
    pub tokens: Vec<String>,
}

pub struct Dataset {
    pub users: Vec<User>,
    pub groups: Vec<Group>,
    pub token_sets: usize,
}

/// `users` users with `groups_per_user` groups each, each group with overrides for
/// `programs_per_group` Amazon storefront programs. Returns the data set and the dump.
pub fn generate(
    users: usize,
    groups_per_user: usize,
    programs_per_group: usize,
) -> Result<(Dataset, String), String> {
    let catalog = affiliation::catalog::parse_catalog(CATALOG)?;
    let amazon = amazon_storefronts(&catalog, programs_per_group)?;
    let mut dump = Dump {
        text: String::with_capacity(users * groups_per_user * programs_per_group * 260),
        at: (time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64,
    };
    let mut dataset = Dataset {
        users: Vec::with_capacity(users),
        groups: Vec::with_capacity(users * groups_per_user),
        token_sets: 0,
    };
    // The import reads the dump in order: owners before their groups, programs and
    // groups before the token sets that refer to them.
    push_users(&mut dump, &mut dataset, users)?;
    push_programs(&mut dump, &catalog)?;
    push_groups(
        &mut dump,
        &mut dataset,
        users,
        groups_per_user,
        programs_per_group,
    )?;
    push_token_sets(&mut dump, &mut dataset, &amazon[..programs_per_group])?;
    Ok((dataset, dump.text))
}

/// The programs every group overrides: they all take a `tag`, so one parameter
/// shape serves every token set.
fn amazon_storefronts(
    catalog: &[Program],
    programs_per_group: usize,
) -> Result<Vec<&Program>, String> {
    let amazon: Vec<&Program> = catalog
        .iter()
        .filter(|p| p.network == "Amazon Associates" && !p.disabled && p.parameter("tag").is_some())
        .collect();
    if amazon.len() < programs_per_group {
        return Err(format!(
            "the catalog has {} Amazon storefront programs, {programs_per_group} needed",
            amazon.len()
        ));
    }
    Ok(amazon)
}

/// The export being written, and the one timestamp all its rows carry.
struct Dump {
    text: String,
    at: i64,
}

impl Dump {
    fn push(&mut self, line: DumpLine) -> Result<(), String> {
        self.text
            .push_str(&serde_json::to_string(&line).map_err(|e| e.to_string())?);
        self.text.push('\n');
        Ok(())
    }
}

fn push_users(dump: &mut Dump, dataset: &mut Dataset, users: usize) -> Result<(), String> {
    for index in 0..users {
        let keys = IssuedKeys::generate();
        let stored = keys.stored();
        dump.push(DumpLine::User {
            id: index as i64 + 1,
            username: format!("bench-user-{}", index + 1),
            is_admin: false,
            key_hash: Some(to_hex(&stored.key_hash)),
            secret_hash: Some(to_hex(&stored.secret_hash)),
            key_hint: Some(stored.key_hint),
            created_at: dump.at,
        })?;
        // The dump holds only hashes; the load needs the keys themselves.
        dataset.users.push(User {
            api_key: keys.api_key,
        });
    }
    Ok(())
}

fn push_programs(dump: &mut Dump, catalog: &[Program]) -> Result<(), String> {
    for program in catalog {
        dump.push(DumpLine::Program {
            program_guid: program.program_guid.to_string(),
            name: program.name.clone(),
            disabled: program.disabled,
            definition: serde_json::to_string(program).map_err(|e| e.to_string())?,
            updated_at: dump.at,
        })?;
    }
    Ok(())
}

fn push_groups(
    dump: &mut Dump,
    dataset: &mut Dataset,
    users: usize,
    groups_per_user: usize,
    programs_per_group: usize,
) -> Result<(), String> {
    let mut group_id = 0i64;
    for owner in 0..users {
        for _ in 0..groups_per_user {
            group_id += 1;
            dump.push(DumpLine::Group {
                id: group_id,
                owner_id: owner as i64 + 1,
                name: format!("bench group {group_id}"),
                created_at: dump.at,
            })?;
            dataset.groups.push(Group {
                id: group_id,
                owner,
                tokens: Vec::with_capacity(programs_per_group),
            });
        }
    }
    Ok(())
}

fn push_token_sets(
    dump: &mut Dump,
    dataset: &mut Dataset,
    programs: &[&Program],
) -> Result<(), String> {
    for group in &mut dataset.groups {
        for (n, program) in programs.iter().enumerate() {
            let guid = uuid::Uuid::new_v4().to_string();
            let parameters = serde_json::json!({ "tag": format!("g{}p{n}-20", group.id) });
            dump.push(DumpLine::Token {
                guid: guid.clone(),
                owner_id: group.owner as i64 + 1,
                group_id: Some(group.id),
                program_guid: program.program_guid.to_string(),
                parameters: parameters.to_string(),
                created_at: dump.at,
                updated_at: dump.at,
            })?;
            group.tokens.push(guid);
            dataset.token_sets += 1;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_small_data_set_is_a_valid_dump_with_known_keys() {
        let (dataset, dump) = generate(2, 3, 5).unwrap();
        assert_eq!((dataset.users.len(), dataset.groups.len()), (2, 6));
        assert_eq!(dataset.token_sets, 30);
        let lines: Vec<DumpLine> = dump
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        let mut tokens = 0;
        for line in &lines {
            match line {
                DumpLine::User { id, key_hash, .. } => {
                    let key = &dataset.users[*id as usize - 1].api_key;
                    let expected = to_hex(&affiliation::credentials::hash(key));
                    assert_eq!(key_hash.as_deref(), Some(expected.as_str()));
                }
                DumpLine::Token { parameters, .. } => {
                    tokens += 1;
                    let value: serde_json::Value = serde_json::from_str(parameters).unwrap();
                    assert!(
                        regex_free_tag_check(value["tag"].as_str().unwrap()),
                        "{parameters}"
                    );
                }
                _ => {}
            }
        }
        assert_eq!(tokens, 30);
    }

    /// `[A-Za-z0-9][A-Za-z0-9-]{0,62}-[0-9]{2}`, the Amazon storefronts' tag rule.
    fn regex_free_tag_check(tag: &str) -> bool {
        let bytes = tag.as_bytes();
        let n = bytes.len();
        (4..=66).contains(&n)
            && bytes[0].is_ascii_alphanumeric()
            && bytes[n - 3] == b'-'
            && bytes[n - 2..].iter().all(u8::is_ascii_digit)
            && bytes[..n - 3]
                .iter()
                .all(|b| b.is_ascii_alphanumeric() || *b == b'-')
    }
}
