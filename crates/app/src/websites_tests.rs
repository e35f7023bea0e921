use mockall::predicate::eq;
use roster_domain::ports::WebsiteScope;
use roster_domain::{
    Error, NamedMember, Owner, Page, PageRequest, Role, Team, TeamDetails, TeamId, TeamMember,
    TeamRole, User, UserId, UserKey, Website, WebsiteDetails, WebsiteId, WebsiteOrder,
    WebsitePatch,
};
use uuid::Uuid;

use super::*;
use crate::fixture::{Mocks, principal, t0, user};

fn service(mocks: Mocks) -> WebsiteService {
    WebsiteService::new(mocks.ports())
}

fn site(owner: Owner) -> WebsiteDetails {
    WebsiteDetails {
        website: Website {
            id: WebsiteId::new(),
            name: "Blog".into(),
            domain: "blog.example".into(),
            share_id: None,
            reset_at: None,
            owner,
            created_by: UserId::new(),
            created_at: t0(),
            updated_at: t0(),
            deleted_at: None,
        },
        owner_name: None,
        creator_name: None,
    }
}

fn team_details(id: TeamId) -> TeamDetails {
    TeamDetails {
        team: Team {
            id,
            name: "Blue".into(),
            access_code: "c".into(),
            logo_url: None,
            created_at: t0(),
            updated_at: t0(),
        },
        members: Vec::<NamedMember>::new(),
        website_count: 0,
    }
}

/// Mocks where `actor` holds `role` in every team asked about.
fn in_team(actor: UserId, role: Option<TeamRole>) -> Mocks {
    let mut mocks = Mocks::default();
    mocks
        .teams
        .expect_find()
        .returning(|id| Ok(Some(team_details(id))));
    mocks
        .teams
        .expect_membership()
        .returning(move |team, user| {
            Ok(role.filter(|_| user == actor).map(|role| TeamMember {
                id: Uuid::new_v4(),
                team_id: team,
                user_id: user,
                role,
                created_at: t0(),
                updated_at: t0(),
            }))
        });
    mocks
}

fn found(mocks: &mut Mocks, details: &WebsiteDetails) {
    let details = details.clone();
    mocks
        .websites
        .expect_find()
        .returning(move |_| Ok(Some(details.clone())));
}

fn input(team: Option<TeamId>) -> NewWebsite {
    NewWebsite {
        id: None,
        name: " Blog ".into(),
        domain: "blog.example".into(),
        share_id: None,
        team,
    }
}

#[tokio::test]
async fn users_create_their_own_and_team_members_their_teams_websites() {
    let actor = principal(Role::User);
    let id = actor.id;
    let mut mocks = Mocks::default();
    mocks
        .websites
        .expect_create()
        .withf(move |w| w.name == "Blog" && w.owner == Owner::User(id) && w.created_by == id)
        .return_once(Ok);
    service(mocks).create(&actor, input(None)).await.unwrap();

    let team = TeamId::new();
    let mut mocks = in_team(actor.id, Some(TeamRole::Manager));
    mocks
        .websites
        .expect_create()
        .withf(move |w| w.owner == Owner::Team(team))
        .return_once(Ok);
    service(mocks)
        .create(&actor, input(Some(team)))
        .await
        .unwrap();

    // Umami's team-member may create team websites; team-view-only may not.
    let mut mocks = in_team(actor.id, Some(TeamRole::Member));
    mocks.websites.expect_create().return_once(Ok);
    service(mocks)
        .create(&actor, input(Some(team)))
        .await
        .unwrap();
    let err = service(in_team(actor.id, Some(TeamRole::ViewOnly)))
        .create(&actor, input(Some(team)))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Forbidden(_)));
    let err = service(Mocks::default())
        .create(&principal(Role::ViewOnly), input(None))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Forbidden(_)));
    let blank = NewWebsite {
        domain: " ".into(),
        ..input(None)
    };
    let err = service(Mocks::default())
        .create(&actor, blank)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Invalid(_)));
}

#[tokio::test]
async fn creating_for_an_unknown_team_is_not_found() {
    let mut mocks = Mocks::default();
    mocks.teams.expect_find().returning(|_| Ok(None));
    let err = service(mocks)
        .create(&principal(Role::Admin), input(Some(TeamId::new())))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::NotFound(_)));
}

#[tokio::test]
async fn owners_team_members_and_admins_see_a_website_others_do_not() {
    let owner = principal(Role::ViewOnly);
    let own = site(Owner::User(owner.id));
    let mut mocks = Mocks::default();
    found(&mut mocks, &own);
    let svc = service(mocks);
    assert!(svc.get(&owner, own.website.id).await.is_ok());
    assert!(
        svc.get(&principal(Role::Admin), own.website.id)
            .await
            .is_ok()
    );
    let err = svc
        .get(&principal(Role::User), own.website.id)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Forbidden(_)));

    let member = principal(Role::User);
    let shared = site(Owner::Team(TeamId::new()));
    let mut mocks = in_team(member.id, Some(TeamRole::ViewOnly));
    found(&mut mocks, &shared);
    assert!(service(mocks).get(&member, shared.website.id).await.is_ok());

    let mut mocks = Mocks::default();
    mocks.websites.expect_find().returning(|_| Ok(None));
    let err = service(mocks)
        .get(&owner, WebsiteId::new())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::NotFound(_)));
}

#[tokio::test]
async fn owners_update_and_delete_view_only_owners_and_others_may_not() {
    let owner = principal(Role::User);
    let own = site(Owner::User(owner.id));
    let id = own.website.id;
    let mut mocks = Mocks::default();
    found(&mut mocks, &own);
    mocks
        .websites
        .expect_update()
        .withf(move |site, patch, now| {
            *site == id
                && *patch
                    == WebsitePatch {
                        name: Some("Journal".into()),
                        share_id: Some(None),
                        ..WebsitePatch::default()
                    }
                && *now == t0()
        })
        .return_once(|_, _, _| Ok(()));
    mocks
        .websites
        .expect_delete()
        .with(eq(id), eq(t0()))
        .return_once(|_, _| Ok(()));
    let svc = service(mocks);
    let changes = WebsiteChanges {
        name: Some("Journal".into()),
        share_id: Some(None),
        ..WebsiteChanges::default()
    };
    let updated = svc.update(&owner, id, changes.clone()).await.unwrap();
    assert_eq!(updated.website.name, "Journal");
    svc.delete(&owner, id).await.unwrap();
    // A change of nothing answers the website as it is and writes nothing (the one
    // expected update is spent).
    let unchanged = svc
        .update(&owner, id, WebsiteChanges::default())
        .await
        .unwrap();
    assert_eq!(unchanged.website, own.website);
    let err = svc.delete(&principal(Role::User), id).await.unwrap_err();
    assert!(matches!(err, Error::Forbidden(_)));

    let viewer = principal(Role::ViewOnly);
    let theirs = site(Owner::User(viewer.id));
    let mut mocks = Mocks::default();
    found(&mut mocks, &theirs);
    let err = service(mocks)
        .update(&viewer, theirs.website.id, changes)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Forbidden(_)));
}

#[tokio::test]
async fn lists_are_scoped_and_checked() {
    let me = principal(Role::User);
    let id = me.id;
    let request = PageRequest::new(None, None, None, WebsiteOrder::Name, false).unwrap();
    let empty = |p: &PageRequest<WebsiteOrder>| Page {
        items: vec![],
        count: 0,
        page: p.page,
        page_size: p.page_size,
    };
    let team = TeamId::new();
    let mut mocks = in_team(me.id, Some(TeamRole::ViewOnly));
    mocks
        .websites
        .expect_list()
        .with(
            eq(WebsiteScope::User {
                user: id,
                include_teams: true,
            }),
            mockall::predicate::always(),
        )
        .returning(move |_, p| Ok(empty(p)));
    mocks
        .websites
        .expect_list()
        .with(eq(WebsiteScope::Team(team)), mockall::predicate::always())
        .returning(move |_, p| Ok(empty(p)));
    let svc = service(mocks);
    svc.of_user(&me, me.id, true, &request).await.unwrap();
    svc.of_team(&me, team, &request).await.unwrap();
    let err = svc
        .of_user(&me, UserId::new(), false, &request)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Forbidden(_)));
    let err = service(in_team(me.id, None))
        .of_team(&me, team, &request)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Forbidden(_)));
}

#[tokio::test]
async fn admins_count_owners_websites_others_may_not() {
    let owner = UserId::new();
    let mut mocks = Mocks::default();
    mocks
        .websites
        .expect_counts_by_owner()
        .withf(move |users| users == [owner])
        .return_once(move |_| Ok([(owner, 2)].into()));
    let svc = service(mocks);
    let counts = svc
        .counts_by_owner(&principal(Role::Admin), &[owner])
        .await
        .unwrap();
    assert_eq!(counts.get(&owner), Some(&2));
    let err = svc
        .counts_by_owner(&principal(Role::User), &[owner])
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Forbidden(_)));
}

#[tokio::test]
async fn a_reset_stamps_reset_at_and_needs_the_rights_to_change() {
    let owner = principal(Role::User);
    let own = site(Owner::User(owner.id));
    let id = own.website.id;
    let mut mocks = Mocks::default();
    found(&mut mocks, &own);
    mocks
        .websites
        .expect_update()
        .withf(move |site, patch, _| {
            *site == id
                && *patch
                    == WebsitePatch {
                        reset_at: Some(t0()),
                        ..WebsitePatch::default()
                    }
        })
        .return_once(|_, _, _| Ok(()));
    let svc = service(mocks);
    let reset = svc.reset(&owner, id).await.unwrap();
    assert_eq!(reset.website.reset_at, Some(t0()));
    let err = svc.reset(&principal(Role::User), id).await.unwrap_err();
    assert!(matches!(err, Error::Forbidden(_)));
}

#[tokio::test]
async fn only_admins_page_through_every_website() {
    let mut mocks = Mocks::default();
    mocks
        .websites
        .expect_list()
        .withf(|scope, _| *scope == WebsiteScope::All)
        .return_once(|_, p| {
            Ok(Page {
                items: vec![],
                count: 0,
                page: p.page,
                page_size: p.page_size,
            })
        });
    let svc = service(mocks);
    let request = PageRequest::new(None, None, None, WebsiteOrder::Name, false).unwrap();
    assert!(svc.page(&principal(Role::Admin), &request).await.is_ok());
    let err = svc
        .page(&principal(Role::User), &request)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Forbidden(_)));
}

#[tokio::test]
async fn team_members_change_team_websites_and_view_only_members_may_not() {
    let member = principal(Role::User);
    let shared = site(Owner::Team(TeamId::new()));
    let id = shared.website.id;
    let mut mocks = in_team(member.id, Some(TeamRole::Member));
    found(&mut mocks, &shared);
    mocks.websites.expect_update().return_once(|_, _, _| Ok(()));
    service(mocks).reset(&member, id).await.unwrap();

    let mut mocks = in_team(member.id, Some(TeamRole::ViewOnly));
    found(&mut mocks, &shared);
    let err = service(mocks).reset(&member, id).await.unwrap_err();
    assert!(matches!(err, Error::Forbidden(_)));
}

fn recipient(mocks: &mut Mocks, found: User) {
    mocks
        .users
        .expect_find()
        .withf(move |key| *key == UserKey::Id(found.id))
        .return_once(move |_| Ok(Some(found)));
}

#[tokio::test]
async fn a_team_owner_takes_a_team_website_for_themselves_and_nobody_else_does() {
    let actor = principal(Role::User);
    let team = TeamId::new();
    let shared = site(Owner::Team(team));
    let id = shared.website.id;
    let me = User {
        id: actor.id,
        ..user("me", Role::User)
    };
    let mut mocks = in_team(actor.id, Some(TeamRole::Owner));
    found(&mut mocks, &shared);
    recipient(&mut mocks, me);
    mocks
        .websites
        .expect_transfer()
        .with(
            eq(id),
            eq(Owner::Team(team)),
            eq(Owner::User(actor.id)),
            eq(t0()),
        )
        .return_once(|_, _, _, _| Ok(()));
    service(mocks)
        .transfer(&actor, id, Owner::User(actor.id))
        .await
        .unwrap();

    // A manager may not, nor may an owner give it to someone else.
    for (role, to) in [
        (TeamRole::Manager, actor.id),
        (TeamRole::Owner, UserId::new()),
    ] {
        let mut mocks = in_team(actor.id, Some(role));
        found(&mut mocks, &shared);
        let err = service(mocks)
            .transfer(&actor, id, Owner::User(to))
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Forbidden(_)), "{role:?}: {err:?}");
    }
}

#[tokio::test]
async fn an_owner_gives_a_website_to_a_team_they_manage() {
    let actor = principal(Role::User);
    let own = site(Owner::User(actor.id));
    let id = own.website.id;
    let team = TeamId::new();
    let mut mocks = in_team(actor.id, Some(TeamRole::Manager));
    found(&mut mocks, &own);
    mocks
        .websites
        .expect_transfer()
        .with(
            eq(id),
            eq(Owner::User(actor.id)),
            eq(Owner::Team(team)),
            eq(t0()),
        )
        .return_once(|_, _, _, _| Ok(()));
    service(mocks)
        .transfer(&actor, id, Owner::Team(team))
        .await
        .unwrap();

    let mut mocks = in_team(actor.id, Some(TeamRole::Member));
    found(&mut mocks, &own);
    let err = service(mocks)
        .transfer(&actor, id, Owner::Team(team))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Forbidden(_)));
}

#[tokio::test]
async fn admins_transfer_anywhere_but_never_to_a_view_only_user_or_nobody() {
    let admin = principal(Role::Admin);
    let own = site(Owner::User(UserId::new()));
    let id = own.website.id;
    let viewer = user("viewer", Role::ViewOnly);
    let mut mocks = Mocks::default();
    found(&mut mocks, &own);
    recipient(&mut mocks, viewer.clone());
    let err = service(mocks)
        .transfer(&admin, id, Owner::User(viewer.id))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Invalid(_)), "{err:?}");

    let mut mocks = Mocks::default();
    found(&mut mocks, &own);
    mocks.users.expect_find().return_once(|_| Ok(None));
    let err = service(mocks)
        .transfer(&admin, id, Owner::User(UserId::new()))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::NotFound(_)), "{err:?}");

    let team = TeamId::new();
    let mut mocks = Mocks::default();
    found(&mut mocks, &own);
    mocks.teams.expect_find().return_once(|_| Ok(None));
    let err = service(mocks)
        .transfer(&admin, id, Owner::Team(team))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::NotFound(_)), "{err:?}");
}
