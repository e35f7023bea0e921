use mockall::predicate::eq;
use roster_domain::{Conflict, Error, PasswordPolicy, Role, User, UserKey, UserStats};

use super::*;
use crate::fixture::{Mocks, principal, principal_of, t0, user};

fn service(mocks: Mocks) -> UserService {
    UserService::new(
        mocks.ports(),
        PasswordPolicy::default(),
        ThrottleConfig::default(),
    )
}

fn by_name(name: &str) -> UserKey {
    UserKey::Name(name.into())
}

#[tokio::test]
async fn create_validates_hashes_and_inserts_with_default_role() {
    let mut mocks = Mocks::default();
    mocks
        .hasher
        .expect_hash()
        .withf(|pw| pw.expose() == "s3cret!")
        .return_once(|_| Ok("argon-hash".into()));
    mocks
        .users
        .expect_insert()
        .withf(|u| {
            u.username.as_str() == "Alice"
                && u.password_hash == "argon-hash"
                && u.role == Role::User
                && u.servers.iter().eq(["fs", "web"])
                && u.groups.is_empty()
                && u.email.is_none()
                && u.created_at == t0()
                && u.updated_at == t0()
        })
        .return_once(|_| Ok(user("Alice", Role::User)));
    let input = CreateUser {
        id: None,
        email: Some(" ".into()),
        username: " Alice ".into(),
        password: "s3cret!".into(),
        role: None,
        servers: vec!["web".into(), "fs".into(), "web".into()],
        groups: vec![],
    };
    let created = service(mocks)
        .create(&principal(Role::Admin), input)
        .await
        .unwrap();
    assert_eq!(created.username.as_str(), "Alice");
}

#[tokio::test]
async fn create_refuses_non_admins_and_bad_input_before_touching_the_store() {
    let input = CreateUser {
        username: "bob".into(),
        password: "s3cret!".into(),
        ..CreateUser::default()
    };
    for role in [Role::User, Role::ViewOnly] {
        let err = service(Mocks::default())
            .create(&principal(role), input.clone())
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Forbidden(_)));
    }
    let admin = principal(Role::Admin);
    let bad = [
        CreateUser {
            username: " ".into(),
            ..input.clone()
        },
        CreateUser {
            password: "12345".into(),
            ..input.clone()
        },
        CreateUser {
            groups: vec!["".into()],
            ..input.clone()
        },
        CreateUser {
            email: Some("not an address".into()),
            ..input.clone()
        },
    ];
    for input in bad {
        let err = service(Mocks::default())
            .create(&admin, input)
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Invalid(_)), "{err:?}");
    }
}

#[tokio::test]
async fn create_passes_a_name_conflict_through() {
    let mut mocks = Mocks::default();
    mocks.hasher.expect_hash().return_once(|_| Ok("h".into()));
    mocks
        .users
        .expect_insert()
        .return_once(|_| Err(Error::Conflict(Conflict::UsernameTaken)));
    let input = CreateUser {
        username: "bob".into(),
        password: "s3cret!".into(),
        ..CreateUser::default()
    };
    let err = service(mocks)
        .create(&principal(Role::Admin), input)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Conflict(_)));
}

#[tokio::test]
async fn get_lets_anyone_see_themselves_and_only_admins_see_others() {
    let me = user("me", Role::ViewOnly);
    let found = me.clone();
    let mut mocks = Mocks::default();
    mocks
        .users
        .expect_find()
        .with(eq(UserKey::Id(me.id)))
        .return_once(move |_| Ok(Some(found)));
    let svc = service(mocks);
    let actor = principal_of(&me);
    assert_eq!(svc.get(&actor, &UserKey::Id(me.id)).await.unwrap(), me);
    let err = svc.get(&actor, &by_name("other")).await.unwrap_err();
    assert!(matches!(err, Error::Forbidden(_)));
}

#[tokio::test]
async fn get_unknown_user_is_not_found() {
    let mut mocks = Mocks::default();
    mocks.users.expect_find().return_once(|_| Ok(None));
    let err = service(mocks)
        .get(&principal(Role::Admin), &by_name("ghost"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::NotFound(_)));
}

/// Records the spans opened, with their fields, while it is the default subscriber.
struct Spans(std::sync::Arc<std::sync::Mutex<Vec<String>>>);

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for Spans {
    fn on_new_span(
        &self,
        attrs: &tracing::span::Attributes<'_>,
        _: &tracing::span::Id,
        _: tracing_subscriber::layer::Context<'_, S>,
    ) {
        let mut line = attrs.metadata().name().to_owned();
        attrs.record(
            &mut |field: &tracing::field::Field, value: &dyn std::fmt::Debug| {
                line.push_str(&format!(" {}={value:?}", field.name()));
            },
        );
        self.0.lock().unwrap().push(line);
    }
}

#[tokio::test]
async fn a_use_case_runs_in_a_span_that_names_its_actor() {
    use tracing_subscriber::layer::SubscriberExt;
    let spans = std::sync::Arc::default();
    let subscriber = tracing_subscriber::registry().with(Spans(std::sync::Arc::clone(&spans)));
    let _default = tracing::subscriber::set_default(subscriber);
    let mut mocks = Mocks::default();
    mocks.users.expect_find().return_once(|_| Ok(None));
    let actor = principal(Role::Admin);
    let _ = service(mocks).get(&actor, &by_name("ghost")).await;
    let spans = spans.lock().unwrap();
    assert_eq!(*spans, vec![format!("users.get actor={}", actor.id)]);
}

#[test]
fn only_admins_list_everyone() {
    let svc = service(Mocks::default());
    assert!(svc.list(&principal(Role::Admin)).is_ok());
    let err = svc.list(&principal(Role::User)).err().unwrap();
    assert!(matches!(err, Error::Forbidden(_)));
}

fn named(prefix: &str, count: u64) -> Vec<User> {
    (0..count)
        .map(|i| user(&format!("{prefix}{i:05}"), Role::User))
        .collect()
}

#[tokio::test]
async fn a_listing_reads_on_from_the_last_name_of_each_batch() {
    let mut seq = mockall::Sequence::new();
    let mut mocks = Mocks::default();
    let full = named("a", UserListing::BATCH);
    let last = full.last().unwrap().username.clone();
    mocks
        .users
        .expect_list_after()
        .withf(|after, limit| after.is_none() && *limit == UserListing::BATCH)
        .times(1)
        .in_sequence(&mut seq)
        .return_once(move |_, _| Ok(full));
    mocks
        .users
        .expect_list_after()
        .withf(move |after, _| after.as_ref() == Some(&last))
        .times(1)
        .in_sequence(&mut seq)
        .return_once(|_, _| Ok(named("b", 2)));
    let mut listing = service(mocks).list(&principal(Role::Admin)).unwrap();
    let first = listing.next_batch().await.unwrap().unwrap();
    assert_eq!(first.len() as u64, UserListing::BATCH);
    let second = listing.next_batch().await.unwrap().unwrap();
    assert_eq!(second[1].username.as_str(), "b00001");
    assert!(
        listing.next_batch().await.unwrap().is_none(),
        "a short batch is the last; the store is not asked again"
    );
}

#[tokio::test]
async fn a_listing_of_whole_batches_ends_on_an_empty_one() {
    let mut mocks = Mocks::default();
    let mut batches = vec![Vec::new(), named("a", UserListing::BATCH)];
    mocks
        .users
        .expect_list_after()
        .times(2)
        .returning(move |_, _| Ok(batches.pop().unwrap()));
    let mut listing = service(mocks).list(&principal(Role::Admin)).unwrap();
    assert!(listing.next_batch().await.unwrap().is_some());
    assert!(listing.next_batch().await.unwrap().is_none());
    assert!(listing.next_batch().await.unwrap().is_none());
}

#[tokio::test]
async fn a_failed_batch_can_be_asked_again() {
    let mut seq = mockall::Sequence::new();
    let mut mocks = Mocks::default();
    mocks
        .users
        .expect_list_after()
        .times(1)
        .in_sequence(&mut seq)
        .return_once(|_, _| Err(Error::unavailable("down")));
    mocks
        .users
        .expect_list_after()
        .withf(|after, _| after.is_none())
        .times(1)
        .in_sequence(&mut seq)
        .return_once(|_, _| Ok(named("a", 1)));
    let mut listing = service(mocks).list(&principal(Role::Admin)).unwrap();
    assert!(listing.next_batch().await.is_err());
    assert_eq!(listing.next_batch().await.unwrap().unwrap().len(), 1);
}

#[tokio::test]
async fn an_empty_change_answers_the_user_and_writes_nothing() {
    let x = user("x", Role::User);
    let mut mocks = Mocks::default();
    let found = x.clone();
    mocks
        .users
        .expect_find()
        .return_once(move |_| Ok(Some(found)));
    let unchanged = service(mocks)
        .update(
            &principal(Role::Admin),
            &by_name("x"),
            UpdateUser::default(),
        )
        .await
        .unwrap();
    assert_eq!(unchanged, x);
}

#[tokio::test]
async fn a_user_may_resend_their_own_name_and_role_but_not_change_them() {
    let me = user("me", Role::User);
    let actor = principal_of(&me);
    let resend = UpdateUser {
        username: Some("me".into()),
        role: Some(Role::User),
        email: Some(String::new()),
        ..UpdateUser::default()
    };
    let mut mocks = Mocks::default();
    let found = me.clone();
    mocks
        .users
        .expect_find()
        .return_once(move |_| Ok(Some(found)));
    let same = service(mocks)
        .update(&actor, &UserKey::Id(me.id), resend)
        .await
        .unwrap();
    assert_eq!(same, me);
    for change in [
        UpdateUser {
            username: Some("other".into()),
            ..UpdateUser::default()
        },
        UpdateUser {
            role: Some(Role::Admin),
            ..UpdateUser::default()
        },
        UpdateUser {
            email: Some("me@example.com".into()),
            ..UpdateUser::default()
        },
    ] {
        let mut mocks = Mocks::default();
        let found = me.clone();
        mocks
            .users
            .expect_find()
            .return_once(move |_| Ok(Some(found)));
        let err = service(mocks)
            .update(&actor, &UserKey::Id(me.id), change)
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Forbidden(_)), "{err:?}");
    }
}

#[tokio::test]
async fn a_user_may_change_only_their_own_password_and_that_ends_their_sessions() {
    let me = user("me", Role::User);
    let (id, found) = (me.id, me.clone());
    let mut mocks = Mocks::default();
    mocks
        .users
        .expect_find()
        .returning(move |_| Ok(Some(found.clone())));
    mocks
        .hasher
        .expect_hash()
        .return_once(|_| Ok("new-hash".into()));
    mocks
        .users
        .expect_update()
        .withf(move |uid, patch, revoke, now| {
            *uid == id
                && patch.password_hash.as_deref() == Some("new-hash")
                && patch.role.is_none()
                && *revoke == EndSessions::All
                && *now == t0()
        })
        .return_once(move |_, _, _, _| Ok(me));
    let svc = service(mocks);
    let actor = principal_of(&user("me", Role::User));
    let actor = Principal { id, ..actor };
    let change = UpdateUser {
        password: Some("brand-new".into()),
        ..UpdateUser::default()
    };
    svc.update(&actor, &UserKey::Id(id), change).await.unwrap();

    let promote = UpdateUser {
        role: Some(Role::Admin),
        ..UpdateUser::default()
    };
    let err = svc
        .update(&actor, &UserKey::Id(id), promote)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Forbidden(_)));
    let other = UpdateUser {
        password: Some("brand-new".into()),
        ..UpdateUser::default()
    };
    let err = svc
        .update(&actor, &by_name("other"), other)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Forbidden(_)));
}

#[tokio::test]
async fn demotion_revokes_sessions_but_a_grant_change_does_not() {
    for (role, servers, revoke) in [
        (Some(Role::ViewOnly), None, EndSessions::All),
        (Some(Role::Admin), None, EndSessions::No),
        (None, Some(vec!["s1".to_string()]), EndSessions::No),
    ] {
        let target = user("t", Role::User);
        let found = target.clone();
        let mut mocks = Mocks::default();
        mocks
            .users
            .expect_find()
            .return_once(move |_| Ok(Some(found)));
        mocks
            .users
            .expect_update()
            .withf(move |_, _, r, _| *r == revoke)
            .return_once(move |_, _, _, _| Ok(target));
        let change = UpdateUser {
            role,
            servers,
            ..UpdateUser::default()
        };
        service(mocks)
            .update(&principal(Role::Admin), &by_name("t"), change)
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn update_reports_unknown_users_bad_input_and_store_conflicts() {
    let mut mocks = Mocks::default();
    mocks.users.expect_find().return_once(|_| Ok(None));
    let change = UpdateUser {
        role: Some(Role::User),
        ..UpdateUser::default()
    };
    let err = service(mocks)
        .update(&principal(Role::Admin), &by_name("ghost"), change.clone())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::NotFound(_)));

    let mut mocks = Mocks::default();
    mocks
        .users
        .expect_find()
        .returning(|_| Ok(Some(user("t", Role::Admin))));
    mocks
        .users
        .expect_update()
        .return_once(|_, _, _, _| Err(Error::last_admin()));
    let svc = service(mocks);
    let err = svc
        .update(&principal(Role::Admin), &by_name("t"), change)
        .await
        .unwrap_err();
    assert_eq!(err, Error::last_admin());
    let short = UpdateUser {
        password: Some("123".into()),
        ..UpdateUser::default()
    };
    let err = svc
        .update(&principal(Role::Admin), &by_name("t"), short)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Invalid(_)));
}

#[tokio::test]
async fn delete_removes_others_but_never_oneself() {
    let target = user("t", Role::User);
    let id = target.id;
    let mut mocks = Mocks::default();
    mocks
        .users
        .expect_find()
        .return_once(move |_| Ok(Some(target)));
    mocks
        .users
        .expect_delete()
        .with(eq(id), eq(t0()))
        .return_once(|_, _| Ok(()));
    service(mocks)
        .delete(&principal(Role::Admin), &by_name("t"))
        .await
        .unwrap();

    let me = user("me", Role::Admin);
    let found = me.clone();
    let mut mocks = Mocks::default();
    mocks
        .users
        .expect_find()
        .return_once(move |_| Ok(Some(found)));
    let err = service(mocks)
        .delete(&principal_of(&me), &by_name("me"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Invalid(_)));
}

#[tokio::test]
async fn delete_reports_forbidden_unknown_and_last_admin() {
    let err = service(Mocks::default())
        .delete(&principal(Role::User), &by_name("t"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Forbidden(_)));

    let mut mocks = Mocks::default();
    mocks.users.expect_find().return_once(|_| Ok(None));
    let err = service(mocks)
        .delete(&principal(Role::Admin), &by_name("ghost"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::NotFound(_)));

    let mut mocks = Mocks::default();
    mocks
        .users
        .expect_find()
        .return_once(|_| Ok(Some(user("other-admin", Role::Admin))));
    mocks
        .users
        .expect_delete()
        .return_once(|_, _| Err(Error::last_admin()));
    let err = service(mocks)
        .delete(&principal(Role::Admin), &by_name("other-admin"))
        .await
        .unwrap_err();
    assert_eq!(err, Error::last_admin());
}

#[tokio::test]
async fn stats_are_for_admins() {
    let mut mocks = Mocks::default();
    mocks.users.expect_stats().return_once(|| {
        Ok(UserStats {
            total: 3,
            admins: 1,
            ..UserStats::default()
        })
    });
    let svc = service(mocks);
    assert_eq!(svc.stats(&principal(Role::Admin)).await.unwrap().total, 3);
    let err = svc.stats(&principal(Role::ViewOnly)).await.unwrap_err();
    assert!(matches!(err, Error::Forbidden(_)));
}

#[tokio::test]
async fn pages_of_users_are_for_admins() {
    use roster_domain::{Page, PageRequest, UserOrder};
    let request = PageRequest::new(Some(2), Some(5), None, UserOrder::Username, false).unwrap();
    let mut mocks = Mocks::default();
    mocks
        .users
        .expect_page()
        .withf(|p| p.page == 2 && p.page_size == 5)
        .return_once(|p| {
            Ok(Page {
                items: vec![],
                count: 7,
                page: p.page,
                page_size: p.page_size,
            })
        });
    let svc = service(mocks);
    assert_eq!(
        svc.page(&principal(Role::Admin), &request)
            .await
            .unwrap()
            .count,
        7
    );
    let err = svc
        .page(&principal(Role::User), &request)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Forbidden(_)));
}

#[tokio::test]
async fn changing_ones_own_password_checks_the_current_one() {
    let me = user("me", Role::ViewOnly);
    let actor = principal_of(&me);
    let (found, updated) = (me.clone(), me.clone());
    let mut mocks = Mocks::default();
    mocks
        .users
        .expect_find()
        .returning(move |_| Ok(Some(found.clone())));
    mocks
        .hasher
        .expect_verify()
        .withf(|pw, hash| pw == "old-pass" && hash == "hash-of-me")
        .return_once(|_, _| Ok(true));
    mocks.hasher.expect_verify().returning(|_, _| Ok(false));
    mocks
        .hasher
        .expect_hash()
        .return_once(|_| Ok("new-hash".into()));
    mocks
        .users
        .expect_update()
        .withf(|_, patch, end, _| {
            patch.password_hash.as_deref() == Some("new-hash")
                && *end == EndSessions::AllBut(hash_token("my-token"))
        })
        .return_once(move |_, _, _, _| Ok(updated));
    // Each check counts against the keys of a login by this name from this address, and
    // the right password is taken back.
    let keys = GuessKeys::password("me", Some("10.0.0.7"));
    let expected = keys.keys().clone();
    mocks
        .throttle
        .expect_record_attempts()
        .withf(move |k, _, _| *k == expected)
        .times(2)
        .returning(|k, _, _| Ok(k.all().map(|_| window(1)).collect()));
    let expected = keys.keys().clone();
    mocks
        .throttle
        .expect_record_success()
        .withf(move |k| *k == expected)
        .times(1)
        .return_once(|_| Ok(()));
    let svc = service(mocks);
    let ip = Some("10.0.0.7");
    svc.change_own_password(&actor, "old-pass", "new-pass", ip, "my-token")
        .await
        .unwrap();
    let err = svc
        .change_own_password(&actor, "guess", "new-pass", ip, "my-token")
        .await
        .unwrap_err();
    assert_eq!(err, Error::Invalid("the current password is wrong".into()));
}

fn window(failures: u32) -> roster_domain::ports::FailureWindow {
    roster_domain::ports::FailureWindow {
        failures,
        started_at: t0(),
    }
}

#[tokio::test]
async fn past_the_limit_a_password_change_is_refused_without_hashing() {
    let me = user("me", Role::User);
    let actor = principal_of(&me);
    let mut mocks = Mocks::default();
    let limit = ThrottleConfig::default().max_failures;
    mocks
        .throttle
        .expect_record_attempts()
        .returning(move |k, _, _| Ok(k.all().map(|_| window(limit + 1)).collect()));
    mocks.hasher.expect_verify().never();
    let err = service(mocks)
        .change_own_password(&actor, "guess", "new-pass", None, "my-token")
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Throttled { .. }), "{err:?}");
}

#[tokio::test]
async fn imports_keep_hashes_the_hasher_can_verify_and_refuse_others() {
    let imported = |hash: &str| ImportedUser {
        username: "legacy".into(),
        password_hash: hash.into(),
        role: Role::Admin,
        email: None,
        servers: vec![],
        groups: vec![],
    };
    let mut mocks = Mocks::default();
    mocks
        .users
        .expect_insert()
        .withf(|u| u.password_hash == "$2b$10$abc" && u.role == Role::Admin)
        .return_once(Ok);
    mocks
        .hasher
        .expect_can_verify()
        .returning(|hash| hash.starts_with("$2b$"));
    let svc = service(mocks);
    svc.import(&principal(Role::Admin), imported("$2b$10$abc"))
        .await
        .unwrap();
    let err = svc
        .import(&principal(Role::Admin), imported("md5:abc"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Invalid(_)));
    let err = svc
        .import(&principal(Role::User), imported("$2b$10$abc"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Forbidden(_)));
}

#[tokio::test]
async fn a_chosen_id_is_kept_and_the_nil_one_refused_before_hashing() {
    let chosen = UserId(uuid::Uuid::from_u128(42));
    let mut mocks = Mocks::default();
    mocks.hasher.expect_hash().return_once(|_| Ok("h".into()));
    mocks
        .users
        .expect_insert()
        .withf(move |u| u.id == chosen)
        .return_once(Ok);
    let input = CreateUser {
        id: Some(chosen),
        username: "chosen".into(),
        password: "s3cret!".into(),
        ..CreateUser::default()
    };
    let created = service(mocks)
        .create(&principal(Role::Admin), input.clone())
        .await
        .unwrap();
    assert_eq!(created.id, chosen);
    let nil = CreateUser {
        id: Some(UserId(uuid::Uuid::nil())),
        ..input
    };
    let err = service(Mocks::default())
        .create(&principal(Role::Admin), nil)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Invalid(_)), "{err:?}");
}

#[test]
fn requests_never_show_their_password_in_debug_output() {
    let create = CreateUser {
        username: "alice".into(),
        password: "s3cret-create".into(),
        ..CreateUser::default()
    };
    let update = UpdateUser {
        password: Some("s3cret-update".into()),
        ..UpdateUser::default()
    };
    let imported = ImportedUser {
        username: "alice".into(),
        password_hash: "$2b$10$s3cret-hash".into(),
        role: Role::User,
        email: None,
        servers: Vec::new(),
        groups: Vec::new(),
    };
    let shown = format!("{create:?} {update:?} {imported:?}");
    assert!(shown.contains("alice"), "{shown}");
    assert!(!shown.contains("s3cret"), "{shown}");
}

#[tokio::test]
async fn a_name_that_changed_hands_does_not_let_a_user_change_its_new_owner() {
    let actor = principal(Role::User);
    // The actor's name now belongs to someone else, with another id.
    let other = user(actor.username.as_str(), Role::User);
    let mut mocks = Mocks::default();
    mocks
        .users
        .expect_find()
        .return_once(move |_| Ok(Some(other)));
    let change = UpdateUser {
        password: Some("brand-new".into()),
        ..UpdateUser::default()
    };
    let err = service(mocks)
        .update(
            &actor,
            &UserKey::Name(actor.username.as_str().into()),
            change,
        )
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Forbidden(_)), "{err:?}");
}

#[tokio::test]
async fn an_api_key_changes_no_password_of_its_owner() {
    let me = user("me", Role::Admin);
    let actor = Principal {
        api_key: Some(roster_domain::ApiKeyRef {
            id: roster_domain::ApiKeyId::new(),
            name: "ci".into(),
        }),
        ..principal_of(&me)
    };
    let mut mocks = Mocks::default();
    let found = me.clone();
    mocks
        .users
        .expect_find()
        .returning(move |_| Ok(Some(found.clone())));
    let svc = service(mocks);
    let change = UpdateUser {
        password: Some("brand-new".into()),
        ..UpdateUser::default()
    };
    let err = svc
        .update(&actor, &UserKey::Id(me.id), change)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Forbidden(_)), "{err:?}");
    let err = svc
        .change_own_password(&actor, "old", "brand-new", None, "umami_x")
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Forbidden(_)), "{err:?}");
}
