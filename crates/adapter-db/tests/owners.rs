//! A team never loses its last owner: not to a demotion, a departure or a deleted user,
//! however they interleave, on every backend.

use std::collections::BTreeSet;
use std::sync::Arc;

use chrono::{DateTime, SubsecRound, Utc};
use roster_db::Store;
use roster_domain::ports::{TeamRepository, UserRepository, WebsiteRepository};
use roster_domain::{
    Error, Owner, Role, Team, TeamId, TeamMember, TeamRole, User, UserId, Username, Website,
    WebsiteId,
};
use uuid::Uuid;

roster_test_support::on_every_backend!(
    roster_test_support::with_store;
    a_teams_last_owner_can_be_neither_demoted_nor_removed,
    concurrent_demotions_and_departures_leave_every_team_an_owner,
    deleting_a_user_deletes_the_teams_they_alone_owned,
    deleting_a_member_keeps_a_team_that_had_no_owner,
    a_deletion_racing_a_co_owner_stepping_down_leaves_no_ownerless_team,
    a_deletion_racing_the_deletion_of_its_team_succeeds,
    writes_for_a_user_who_is_gone_are_not_found,
);

fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

async fn user(store: &Store, name: &str) -> UserId {
    let t = now();
    let user = User {
        email: None,
        id: UserId::new(),
        username: Username::parse(name).unwrap(),
        password_hash: "h".into(),
        role: Role::User,
        servers: BTreeSet::new(),
        groups: BTreeSet::new(),
        created_at: t,
        updated_at: t,
    };
    store.insert(user).await.unwrap().id
}

fn member(team: TeamId, user: UserId, role: TeamRole) -> TeamMember {
    TeamMember {
        id: Uuid::new_v4(),
        team_id: team,
        user_id: user,
        role,
        created_at: now(),
        updated_at: now(),
    }
}

fn new_team(name: &str) -> Team {
    let t = now();
    Team {
        id: TeamId::new(),
        name: name.into(),
        access_code: format!("team_{}", Uuid::new_v4().simple()),
        logo_url: None,
        created_at: t,
        updated_at: t,
    }
}

/// A team owned by every one of `owners`.
async fn team(store: &Store, name: &str, owners: &[UserId]) -> TeamId {
    let team = new_team(name);
    let id = team.id;
    TeamRepository::create(store, team, member(id, owners[0], TeamRole::Owner))
        .await
        .unwrap();
    for owner in &owners[1..] {
        store
            .add_member(member(id, *owner, TeamRole::Owner))
            .await
            .unwrap();
    }
    id
}

async fn owners(store: &Store, team: TeamId) -> usize {
    let details = TeamRepository::find(store, team).await.unwrap().unwrap();
    details
        .members
        .iter()
        .filter(|m| m.member.role == TeamRole::Owner)
        .count()
}

async fn a_teams_last_owner_can_be_neither_demoted_nor_removed(store: Store) {
    let (ann, bob) = (user(&store, "ann").await, user(&store, "bob").await);
    let t = team(&store, "Blue", &[ann, bob]).await;
    store
        .set_member_role(t, bob, TeamRole::Manager, now())
        .await
        .unwrap();
    let err = store
        .set_member_role(t, ann, TeamRole::Member, now())
        .await
        .unwrap_err();
    assert_eq!(err, Error::last_owner());
    assert_eq!(
        store.remove_member(t, ann).await.unwrap_err(),
        Error::last_owner()
    );
    // Refused changes change nothing; others go through.
    assert_eq!(owners(&store, t).await, 1);
    store
        .set_member_role(t, ann, TeamRole::Owner, now())
        .await
        .unwrap();
    store.remove_member(t, bob).await.unwrap();
}

async fn concurrent_demotions_and_departures_leave_every_team_an_owner(store: Store) {
    let (ann, bob) = (user(&store, "ann").await, user(&store, "bob").await);
    let store = Arc::new(store);
    let mut teams = Vec::new();
    for round in 0..12 {
        let t = team(&store, &format!("team {round}"), &[ann, bob]).await;
        teams.push(t);
        // Each owner takes themselves or the other out, in every combination.
        let step = |who: UserId, demote: bool| {
            let store = store.clone();
            tokio::spawn(async move {
                if demote {
                    store
                        .set_member_role(t, who, TeamRole::Member, now())
                        .await
                        .map(drop)
                } else {
                    store.remove_member(t, who).await
                }
            })
        };
        let (first, second) = match round % 3 {
            0 => (step(bob, true), step(ann, false)),
            1 => (step(ann, true), step(bob, true)),
            _ => (step(ann, false), step(bob, false)),
        };
        for outcome in [first.await.unwrap(), second.await.unwrap()] {
            assert!(
                matches!(outcome, Ok(()) | Err(Error::Conflict(_))),
                "{outcome:?}"
            );
        }
    }
    for t in teams {
        assert_eq!(owners(&store, t).await, 1, "team {t}");
    }
}

async fn deleting_a_user_deletes_the_teams_they_alone_owned(store: Store) {
    let (ann, bob) = (user(&store, "ann").await, user(&store, "bob").await);
    let alone = team(&store, "Ann's", &[ann]).await;
    let shared = team(&store, "Shared", &[ann, bob]).await;
    let bobs = team(&store, "Bob's", &[bob]).await;
    store
        .add_member(member(alone, bob, TeamRole::Manager))
        .await
        .unwrap();
    store
        .add_member(member(bobs, ann, TeamRole::Member))
        .await
        .unwrap();
    let t = now();
    let site = WebsiteRepository::create(
        &store,
        Website {
            id: WebsiteId::new(),
            name: "Site".into(),
            domain: "site.example".into(),
            share_id: None,
            reset_at: None,
            owner: Owner::Team(alone),
            created_by: bob,
            created_at: t,
            updated_at: t,
            deleted_at: None,
        },
    )
    .await
    .unwrap();

    UserRepository::delete(&store, ann, Utc::now())
        .await
        .unwrap();
    assert_eq!(TeamRepository::find(&store, alone).await.unwrap(), None);
    assert_eq!(store.membership(alone, bob).await.unwrap(), None);
    assert_eq!(
        WebsiteRepository::find(&store, site.id).await.unwrap(),
        None
    );
    for kept in [shared, bobs] {
        assert_eq!(owners(&store, kept).await, 1);
        assert_eq!(store.membership(kept, ann).await.unwrap(), None);
    }
}

/// A team can lack an owner in data imported from elsewhere; only an owner's deletion takes
/// a team with it.
async fn deleting_a_member_keeps_a_team_that_had_no_owner(store: Store) {
    let (ann, cat) = (user(&store, "ann").await, user(&store, "cat").await);
    let team = new_team("Imported");
    let id = team.id;
    TeamRepository::create(&store, team, member(id, cat, TeamRole::Member))
        .await
        .unwrap();
    store
        .add_member(member(id, ann, TeamRole::Member))
        .await
        .unwrap();

    UserRepository::delete(&store, ann, Utc::now())
        .await
        .unwrap();
    assert!(TeamRepository::find(&store, id).await.unwrap().is_some());
    assert_eq!(store.membership(id, ann).await.unwrap(), None);
    assert!(store.membership(id, cat).await.unwrap().is_some());
}

async fn a_deletion_racing_a_co_owner_stepping_down_leaves_no_ownerless_team(store: Store) {
    let store = Arc::new(store);
    for round in 0..10 {
        let ann = user(&store, &format!("ann{round}")).await;
        let bob = user(&store, &format!("bob{round}")).await;
        let t = team(&store, "Both", &[ann, bob]).await;
        let deletion = {
            let store = store.clone();
            tokio::spawn(async move { UserRepository::delete(&*store, ann, Utc::now()).await })
        };
        let stepping_down = {
            let store = store.clone();
            tokio::spawn(async move {
                store
                    .set_member_role(t, bob, TeamRole::Member, now())
                    .await
                    .map(drop)
            })
        };
        deletion.await.unwrap().unwrap();
        let stepped = stepping_down.await.unwrap();
        assert!(
            matches!(stepped, Ok(()) | Err(Error::Conflict(_))),
            "{stepped:?}"
        );
        // Bob stepped down first and Ann's team went with her, or Bob stayed its owner.
        if let Some(details) = TeamRepository::find(&*store, t).await.unwrap() {
            assert!(stepped.is_err(), "{details:?}");
            assert_eq!(owners(&store, t).await, 1);
        }
    }
}

async fn a_deletion_racing_the_deletion_of_its_team_succeeds(store: Store) {
    let store = Arc::new(store);
    for round in 0..10 {
        let ann = user(&store, &format!("ann{round}")).await;
        let t = team(&store, "Ann's", &[ann]).await;
        let deletion = {
            let store = store.clone();
            tokio::spawn(async move { UserRepository::delete(&*store, ann, Utc::now()).await })
        };
        let team_deletion = {
            let store = store.clone();
            tokio::spawn(async move { TeamRepository::delete(&*store, t, now()).await })
        };
        deletion.await.unwrap().unwrap();
        let team_deleted = team_deletion.await.unwrap();
        assert!(
            matches!(team_deleted, Ok(()) | Err(Error::NotFound(_))),
            "{team_deleted:?}"
        );
        assert_eq!(TeamRepository::find(&*store, t).await.unwrap(), None);
    }
}

async fn writes_for_a_user_who_is_gone_are_not_found(store: Store) {
    let ghost = UserId::new();
    let team = new_team("Ghost's");
    let owner = member(team.id, ghost, TeamRole::Owner);
    let err = TeamRepository::create(&store, team, owner)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::NotFound(_)), "{err:?}");
    let t = now();
    let err = WebsiteRepository::create(
        &store,
        Website {
            id: WebsiteId::new(),
            name: "Ghost".into(),
            domain: "ghost.example".into(),
            share_id: None,
            reset_at: None,
            owner: Owner::User(ghost),
            created_by: ghost,
            created_at: t,
            updated_at: t,
            deleted_at: None,
        },
    )
    .await
    .unwrap_err();
    assert!(matches!(err, Error::NotFound(_)), "{err:?}");
}
