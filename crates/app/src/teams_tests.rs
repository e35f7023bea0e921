use mockall::predicate::eq;
use roster_domain::{
    Conflict, Error, NamedMember, Page, PageRequest, Role, Team, TeamDetails, TeamId, TeamMember,
    TeamOrder, TeamRole, UserId, UserKey,
};
use uuid::Uuid;

use super::*;
use crate::fixture::{Mocks, principal, t0, user};

fn service(mocks: Mocks) -> TeamService {
    TeamService::new(mocks.ports(), ThrottleConfig::default())
}

/// Each guess at an access code is counted, here as the first for every key.
fn guesses_counted(mocks: &mut Mocks, failures: u32) {
    mocks
        .throttle
        .expect_record_attempts()
        .withf(|keys, _, _| keys.guesser.starts_with("join:user:"))
        .returning(move |keys, _, _| {
            Ok(keys
                .all()
                .map(|_| roster_domain::ports::FailureWindow {
                    failures,
                    started_at: t0(),
                })
                .collect())
        });
}

fn team() -> Team {
    Team {
        id: TeamId::new(),
        name: "Blue".into(),
        access_code: "team_code".into(),
        logo_url: None,
        created_at: t0(),
        updated_at: t0(),
    }
}

fn membership(team: TeamId, user: UserId, role: TeamRole) -> TeamMember {
    TeamMember {
        id: Uuid::new_v4(),
        team_id: team,
        user_id: user,
        role,
        created_at: t0(),
        updated_at: t0(),
    }
}

fn details(team: &Team, members: &[(UserId, TeamRole)]) -> TeamDetails {
    TeamDetails {
        team: team.clone(),
        members: members
            .iter()
            .map(|(id, role)| NamedMember {
                member: membership(team.id, *id, *role),
                username: roster_domain::Username::parse("m").unwrap(),
            })
            .collect(),
        website_count: 0,
    }
}

/// Mocks where `team` exists and `actor` holds `role` in it (or none).
fn with_team(team: &Team, actor: UserId, role: Option<TeamRole>) -> Mocks {
    let mut mocks = Mocks::default();
    let found = details(team, &role.map(|r| vec![(actor, r)]).unwrap_or_default());
    mocks
        .teams
        .expect_find()
        .returning(move |_| Ok(Some(found.clone())));
    let id = team.id;
    mocks.teams.expect_membership().returning(move |_, user| {
        Ok(role
            .filter(|_| user == actor)
            .map(|r| membership(id, user, r)))
    });
    mocks
}

fn page() -> PageRequest<TeamOrder> {
    PageRequest::new(None, None, None, TeamOrder::Name, false).unwrap()
}

#[tokio::test]
async fn create_makes_the_caller_owner_and_refuses_view_only_and_blank_names() {
    let actor = principal(Role::User);
    let id = actor.id;
    let mut mocks = Mocks::default();
    mocks
        .teams
        .expect_create()
        .withf(move |t, owner| {
            t.name == "Blue"
                && t.access_code.starts_with("team_")
                && owner.user_id == id
                && owner.team_id == t.id
                && owner.role == TeamRole::Owner
        })
        .return_once(|t, _| Ok(t));
    let (created, owner) = service(mocks).create(&actor, " Blue ", None).await.unwrap();
    assert_eq!(created.name, "Blue");
    assert_eq!((owner.team_id, owner.user_id), (created.id, id));
    let err = service(Mocks::default())
        .create(&principal(Role::ViewOnly), "x", None)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Forbidden(_)));
    let err = service(Mocks::default())
        .create(&actor, "  ", None)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Invalid(_)));
    let err = service(Mocks::default())
        .create(&actor, "Red", Some(UserId::new()))
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Forbidden(_)),
        "only admins name an owner"
    );
}

#[tokio::test]
async fn an_admin_creates_a_team_for_another_owner() {
    let found = user("other", Role::User);
    let other = found.id;
    let mut mocks = Mocks::default();
    mocks
        .users
        .expect_find()
        .with(eq(UserKey::Id(other)))
        .return_once(move |_| Ok(Some(found)));
    mocks
        .teams
        .expect_create()
        .withf(move |_, owner| owner.user_id == other && owner.role == TeamRole::Owner)
        .return_once(|t, _| Ok(t));
    let (_, owner) = service(mocks)
        .create(&principal(Role::Admin), "Red", Some(other))
        .await
        .unwrap();
    assert_eq!(owner.user_id, other);

    let viewer = user("viewer", Role::ViewOnly);
    let viewer_id = viewer.id;
    let mut mocks = Mocks::default();
    mocks
        .users
        .expect_find()
        .return_once(move |_| Ok(Some(viewer)));
    let err = service(mocks)
        .create(&principal(Role::Admin), "Red", Some(viewer_id))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Invalid(_)), "{err:?}");

    let mut mocks = Mocks::default();
    mocks.users.expect_find().return_once(|_| Ok(None));
    let err = service(mocks)
        .create(&principal(Role::Admin), "Red", Some(UserId::new()))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::NotFound(_)), "{err:?}");
}

#[tokio::test]
async fn members_and_admins_see_a_team_outsiders_get_403_and_unknown_404() {
    let t = team();
    let member = principal(Role::ViewOnly);
    let svc = service(with_team(&t, member.id, Some(TeamRole::ViewOnly)));
    assert_eq!(svc.get(&member, t.id).await.unwrap().team, t);
    assert!(svc.get(&principal(Role::Admin), t.id).await.is_ok());
    let err = svc.get(&principal(Role::User), t.id).await.unwrap_err();
    assert!(matches!(err, Error::Forbidden(_)));

    let mut mocks = Mocks::default();
    mocks.teams.expect_find().returning(|_| Ok(None));
    let err = service(mocks)
        .get(&member, TeamId::new())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::NotFound(_)));
}

#[tokio::test]
async fn managers_update_members_may_not_even_with_a_change_of_nothing() {
    let t = team();
    let manager = principal(Role::User);
    let mut mocks = with_team(&t, manager.id, Some(TeamRole::Manager));
    mocks
        .teams
        .expect_update()
        .withf(|t| t.name == "Navy" && t.access_code == "team_new")
        .return_once(|_| Ok(()));
    let changes = TeamChanges {
        name: Some("Navy".into()),
        access_code: Some("team_new".into()),
        logo_url: None,
    };
    let updated = service(mocks)
        .update(&manager, t.id, changes.clone())
        .await
        .unwrap();
    assert_eq!(updated.name, "Navy");

    let member = principal(Role::User);
    let svc = service(with_team(&t, member.id, Some(TeamRole::Member)));
    let err = svc.update(&member, t.id, changes).await.unwrap_err();
    assert!(matches!(err, Error::Forbidden(_)));
    let err = svc
        .update(&member, t.id, TeamChanges::default())
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Forbidden(_)),
        "a change of nothing needs the rights too"
    );
}

#[tokio::test]
async fn short_access_codes_and_links_that_are_not_web_addresses_are_refused() {
    let t = team();
    let owner = principal(Role::User);
    let svc = service(with_team(&t, owner.id, Some(TeamRole::Owner)));
    for changes in [
        TeamChanges {
            access_code: Some("1234567".into()),
            ..TeamChanges::default()
        },
        TeamChanges {
            logo_url: Some(Some("javascript:alert(1)".into())),
            ..TeamChanges::default()
        },
    ] {
        let err = svc.update(&owner, t.id, changes).await.unwrap_err();
        assert!(matches!(err, Error::Invalid(_)), "{err:?}");
    }
}

#[tokio::test]
async fn only_owners_and_admins_delete() {
    let t = team();
    let owner = principal(Role::User);
    let mut mocks = with_team(&t, owner.id, Some(TeamRole::Owner));
    mocks
        .teams
        .expect_delete()
        .with(eq(t.id), eq(t0()))
        .return_once(|_, _| Ok(()));
    service(mocks).delete(&owner, t.id).await.unwrap();
    let manager = principal(Role::User);
    let err = service(with_team(&t, manager.id, Some(TeamRole::Manager)))
        .delete(&manager, t.id)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Forbidden(_)));
}

#[tokio::test]
async fn joining_adds_a_member_and_reports_unknown_codes_and_repeats() {
    let t = team();
    let joiner = principal(Role::User);
    let mut mocks = Mocks::default();
    guesses_counted(&mut mocks, 1);
    let found = t.clone();
    mocks
        .teams
        .expect_find_by_access_code()
        .with(eq("team_code"))
        .return_once(move |_| Ok(Some(found)));
    let id = joiner.id;
    mocks
        .throttle
        .expect_take_back()
        .withf(move |keys| {
            *keys
                == roster_domain::ports::ThrottleKeys {
                    guesser: format!("join:user:{id}"),
                    client: Some("join:addr:10.0.0.9".into()),
                }
        })
        .times(1)
        .return_once(|_| Ok(()));
    mocks
        .teams
        .expect_add_member()
        .withf(move |m| m.user_id == id && m.role == TeamRole::Member)
        .return_once(|_| Ok(()));
    let member = service(mocks)
        .join(&joiner, " team_code ", Some("10.0.0.9"))
        .await
        .unwrap();
    assert_eq!((member.team_id, member.role), (t.id, TeamRole::Member));

    let mut mocks = Mocks::default();
    guesses_counted(&mut mocks, 1);
    mocks
        .teams
        .expect_find_by_access_code()
        .returning(|_| Ok(None));
    let err = service(mocks)
        .join(&joiner, "nope", None)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::NotFound(_)));

    let mut mocks = Mocks::default();
    guesses_counted(&mut mocks, 1);
    mocks.throttle.expect_take_back().returning(|_| Ok(()));
    let found = t.clone();
    mocks
        .teams
        .expect_find_by_access_code()
        .return_once(move |_| Ok(Some(found)));
    mocks
        .teams
        .expect_add_member()
        .return_once(|_| Err(Error::Conflict(Conflict::AlreadyMember)));
    let err = service(mocks)
        .join(&joiner, "team_code", None)
        .await
        .unwrap_err();
    assert_eq!(err, Error::Conflict(Conflict::AlreadyMember));
}

#[tokio::test]
async fn too_many_wrong_access_codes_are_refused_before_any_lookup() {
    let mut mocks = Mocks::default();
    guesses_counted(&mut mocks, ThrottleConfig::default().max_failures + 1);
    mocks.teams.expect_find_by_access_code().never();
    let err = service(mocks)
        .join(&principal(Role::User), "team_guess", Some("10.0.0.9"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Throttled { .. }), "{err:?}");
}

#[tokio::test]
async fn managers_add_change_and_remove_members_and_members_may_leave() {
    let t = team();
    let manager = principal(Role::User);
    let newcomer = user("new", Role::User);
    let newcomer_id = newcomer.id;
    let mut mocks = with_team(&t, manager.id, Some(TeamRole::Manager));
    mocks
        .users
        .expect_find()
        .with(eq(UserKey::Id(newcomer_id)))
        .return_once(move |_| Ok(Some(newcomer)));
    mocks.teams.expect_add_member().return_once(|_| Ok(()));
    let team_id = t.id;
    mocks
        .teams
        .expect_set_member_role()
        .with(
            eq(team_id),
            eq(newcomer_id),
            eq(TeamRole::Manager),
            eq(t0()),
        )
        .return_once(move |_, u, r, _| Ok(membership(team_id, u, r)));
    mocks
        .teams
        .expect_remove_member()
        .with(eq(team_id), eq(newcomer_id))
        .return_once(|_, _| Ok(()));
    let svc = service(mocks);
    let added = svc
        .add_member(&manager, t.id, newcomer_id, TeamRole::Member)
        .await
        .unwrap();
    assert_eq!(added.role, TeamRole::Member);
    svc.set_member_role(&manager, t.id, newcomer_id, TeamRole::Manager)
        .await
        .unwrap();
    svc.remove_member(&manager, t.id, newcomer_id)
        .await
        .unwrap();

    let member = principal(Role::User);
    let mut mocks = with_team(&t, member.id, Some(TeamRole::Member));
    let me = member.id;
    mocks
        .teams
        .expect_remove_member()
        .with(eq(team_id), eq(me))
        .return_once(|_, _| Ok(()));
    let svc = service(mocks);
    svc.remove_member(&member, t.id, member.id).await.unwrap();
    let err = svc
        .add_member(&member, t.id, UserId::new(), TeamRole::Member)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Forbidden(_)));
}

#[tokio::test]
async fn adding_an_unknown_user_is_not_found() {
    let t = team();
    let admin = principal(Role::Admin);
    let mut mocks = with_team(&t, admin.id, None);
    mocks.users.expect_find().return_once(|_| Ok(None));
    let err = service(mocks)
        .add_member(&admin, t.id, UserId::new(), TeamRole::Member)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::NotFound(_)));
}

#[tokio::test]
async fn teams_of_a_user_are_for_that_user_and_admins_and_members_for_members() {
    let me = principal(Role::User);
    let id = me.id;
    let mut mocks = Mocks::default();
    mocks
        .teams
        .expect_teams_of()
        .withf(move |u, _| *u == id)
        .returning(|_, p| {
            Ok(Page {
                items: vec![],
                count: 0,
                page: p.page,
                page_size: p.page_size,
            })
        });
    let svc = service(mocks);
    assert_eq!(svc.teams_of(&me, me.id, &page()).await.unwrap().count, 0);
    let err = svc.teams_of(&me, UserId::new(), &page()).await.unwrap_err();
    assert!(matches!(err, Error::Forbidden(_)));

    let t = team();
    let mut mocks = with_team(&t, me.id, Some(TeamRole::ViewOnly));
    mocks.teams.expect_members().returning(|_, p| {
        Ok(Page {
            items: vec![],
            count: 1,
            page: p.page,
            page_size: p.page_size,
        })
    });
    let svc = service(mocks);
    assert_eq!(svc.members(&me, t.id, &page()).await.unwrap().count, 1);
    let err = svc
        .members(&principal(Role::User), t.id, &page())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Forbidden(_)));
}

#[tokio::test]
async fn managers_cannot_make_or_touch_owners_and_the_last_owner_stays() {
    let t = team();
    let manager = principal(Role::User);
    let owner_id = UserId::new();
    let mut found = details(
        &t,
        &[(owner_id, TeamRole::Owner), (manager.id, TeamRole::Manager)],
    );
    found.members[1].member.user_id = manager.id;
    let mut mocks = Mocks::default();
    let answer = found.clone();
    mocks
        .teams
        .expect_find()
        .returning(move |_| Ok(Some(answer.clone())));
    let (team_id, me) = (t.id, manager.id);
    mocks.teams.expect_membership().returning(move |_, user| {
        Ok((user == me).then(|| membership(team_id, me, TeamRole::Manager)))
    });
    let svc = service(mocks);
    for outcome in [
        svc.set_member_role(&manager, t.id, manager.id, TeamRole::Owner)
            .await,
        svc.set_member_role(&manager, t.id, owner_id, TeamRole::Member)
            .await,
        svc.add_member(&manager, t.id, UserId::new(), TeamRole::Owner)
            .await,
    ] {
        assert!(matches!(outcome, Err(Error::Forbidden(_))), "{outcome:?}");
    }
    let err = svc
        .remove_member(&manager, t.id, owner_id)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Forbidden(_)));

    let owner = Principal {
        id: owner_id,
        ..principal(Role::User)
    };
    let mut mocks = Mocks::default();
    mocks.teams.expect_membership().returning(move |_, user| {
        Ok((user == owner_id).then(|| membership(team_id, owner_id, TeamRole::Owner)))
    });
    mocks
        .teams
        .expect_find()
        .returning(move |_| Ok(Some(found.clone())));
    // Only the store sees concurrent changes, so it is the one to refuse the last owner.
    mocks
        .teams
        .expect_remove_member()
        .return_once(|_, _| Err(Error::last_owner()));
    mocks
        .teams
        .expect_set_member_role()
        .return_once(|_, _, _, _| Err(Error::last_owner()));
    let svc = service(mocks);
    let err = svc.remove_member(&owner, t.id, owner_id).await.unwrap_err();
    assert_eq!(err, Error::last_owner());
    let err = svc
        .set_member_role(&owner, t.id, owner_id, TeamRole::Member)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Conflict(_)));
}

#[tokio::test]
async fn only_admins_page_through_every_team() {
    let mut mocks = Mocks::default();
    mocks.teams.expect_page().return_once(|p| {
        Ok(Page {
            items: vec![],
            count: 0,
            page: p.page,
            page_size: p.page_size,
        })
    });
    let svc = service(mocks);
    let all = svc.page(&principal(Role::Admin), &page()).await.unwrap();
    assert_eq!(all.count, 0);
    let err = svc.page(&principal(Role::User), &page()).await.unwrap_err();
    assert!(matches!(err, Error::Forbidden(_)));
}

#[tokio::test]
async fn a_view_only_user_joins_as_a_view_only_member_and_may_leave() {
    let t = team();
    let viewer = principal(Role::ViewOnly);
    let mut mocks = Mocks::default();
    guesses_counted(&mut mocks, 1);
    mocks.throttle.expect_take_back().returning(|_| Ok(()));
    let found = t.clone();
    mocks
        .teams
        .expect_find_by_access_code()
        .return_once(move |_| Ok(Some(found)));
    let id = viewer.id;
    mocks
        .teams
        .expect_add_member()
        .withf(move |m| m.user_id == id && m.role == TeamRole::ViewOnly)
        .return_once(|_| Ok(()));
    let member = service(mocks)
        .join(&viewer, "team_code", None)
        .await
        .unwrap();
    assert_eq!(member.role, TeamRole::ViewOnly);

    let mut mocks = with_team(&t, viewer.id, Some(TeamRole::ViewOnly));
    mocks
        .teams
        .expect_remove_member()
        .with(eq(t.id), eq(id))
        .return_once(|_, _| Ok(()));
    service(mocks)
        .remove_member(&viewer, t.id, viewer.id)
        .await
        .unwrap();
}

#[tokio::test]
async fn a_membership_is_read_by_managers_and_that_member_only() {
    let t = team();
    let member = principal(Role::User);
    let other = UserId::new();
    let mut mocks = Mocks::default();
    let found = details(
        &t,
        &[(member.id, TeamRole::Member), (other, TeamRole::Member)],
    );
    mocks
        .teams
        .expect_find()
        .returning(move |_| Ok(Some(found.clone())));
    let (team_id, me) = (t.id, member.id);
    mocks.teams.expect_membership().returning(move |_, user| {
        Ok((user == me).then(|| membership(team_id, user, TeamRole::Member)))
    });
    let svc = service(mocks);
    let mine = svc.member(&member, t.id, member.id).await.unwrap();
    assert_eq!(mine.member.user_id, member.id);
    let err = svc.member(&member, t.id, other).await.unwrap_err();
    assert!(matches!(err, Error::Forbidden(_)), "{err:?}");
}
