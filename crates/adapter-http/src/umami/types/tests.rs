use chrono::{DateTime, Utc};
use poem::http::StatusCode;
use serde_json::json;
use uuid::Uuid;

use super::roles::{UmamiRole, UmamiTeamRole};
use super::*;
use crate::error::ErrorBody;
use crate::schema_check::SchemaCheck;

fn at(text: &str) -> DateTime<Utc> {
    text.parse().unwrap()
}

fn user_ref() -> UserRef {
    UserRef {
        id: Uuid::from_u128(7),
        username: "ana".into(),
    }
}

fn member(user: Option<UserRef>) -> TeamUserView {
    TeamUserView {
        id: Uuid::from_u128(1),
        team_id: Uuid::from_u128(2),
        user_id: Uuid::from_u128(7),
        role: UmamiTeamRole::Owner,
        created_at: at("2026-12-02T07:05:09.123456789Z"),
        updated_at: at("2026-12-02T07:05:09Z"),
        user,
    }
}

fn team(details: bool) -> TeamView {
    TeamView {
        id: Uuid::from_u128(2),
        name: "ops".into(),
        access_code: "team_abc".into(),
        logo_url: details.then(|| "https://logo".into()),
        created_at: at("2026-12-02T07:05:09.5Z"),
        updated_at: at("2026-12-02T07:05:09Z"),
        deleted_at: details.then(|| at("2026-12-03T00:00:00Z")),
        two_factor_required: false,
        count: details.then_some(TeamCount {
            website: 3,
            team_user: 1,
            websites: 3,
            members: 1,
        }),
        team_user: details.then(|| vec![member(Some(user_ref()))]),
        members: details.then(|| vec![member(Some(user_ref()))]),
    }
}

fn website(user: Option<UserRef>) -> WebsiteView {
    WebsiteView {
        id: Uuid::from_u128(9),
        name: "site".into(),
        domain: "example.com".into(),
        share_id: user.as_ref().map(|_| "share".into()),
        reset_at: user.as_ref().map(|_| at("2026-12-01T01:02:03.004Z")),
        user_id: user.as_ref().map(|user| user.id),
        team_id: user.is_none().then(|| Uuid::from_u128(2)),
        created_by: Uuid::from_u128(7),
        created_at: at("2026-12-02T07:05:09Z"),
        updated_at: at("2026-12-02T07:05:09Z"),
        deleted_at: None,
        create_user: user.is_none().then(user_ref),
        user,
    }
}

fn login_user() -> LoginUser {
    LoginUser {
        id: Uuid::from_u128(7),
        username: "ana".into(),
        role: UmamiRole::Admin,
        is_admin: true,
        created_at: at("2026-12-02T07:05:09.120Z"),
        teams: vec![
            LoginTeam {
                id: Uuid::from_u128(2),
                name: "ops".into(),
                logo_url: None,
            },
            LoginTeam {
                id: Uuid::from_u128(3),
                name: "dev".into(),
                logo_url: Some("https://logo".into()),
            },
        ],
    }
}

#[test]
fn every_schema_reads_and_writes_as_serde_does() {
    let mut check = SchemaCheck::default();
    check.written(&ErrorEnvelope::new(StatusCode::CONFLICT, "taken".into()));
    check.written(&Done::new());
    check.written(&UserView {
        id: Uuid::from_u128(7),
        username: "ana".into(),
        role: UmamiRole::User,
        created_at: at("2026-12-02T07:05:09.123Z"),
        count: None,
    });
    check.written(&CreatedUser {
        id: Uuid::from_u128(7),
        username: "ana".into(),
        role: UmamiRole::ViewOnly,
    });
    check.written(&LoginResult {
        token: "t".into(),
        user: login_user(),
    });
    check.written(&Me {
        auth_type: "session".into(),
        user: login_user(),
        api_key: None,
    });
    check.written(&Me {
        auth_type: "api-key".into(),
        user: login_user(),
        api_key: Some(ApiKeyRefView {
            id: Uuid::from_u128(9),
            name: "ci".into(),
        }),
    });
    for last_used_at in [None, Some(at("2026-01-02T00:00:00Z"))] {
        check.written(&vec![ApiKeyView {
            id: Uuid::from_u128(9),
            name: "ci".into(),
            key_prefix: "umami_abcdefgh".into(),
            last_used_at,
            created_at: at("2026-01-01T00:00:00Z"),
        }]);
    }
    check.written(&NewApiKeyView {
        id: Uuid::from_u128(9),
        name: "ci".into(),
        key_prefix: "umami_abcdefgh".into(),
        created_at: at("2026-01-01T00:00:00Z"),
        key: "umami_abcdefgh012345678901234567890123".into(),
    });
    for view in [member(None), member(Some(user_ref()))] {
        check.written(&view);
    }
    for view in [team(false), team(true)] {
        check.written(&view);
    }
    check.written(&vec![
        CreatedTeamPart::Team(team(false)),
        CreatedTeamPart::Member(member(None)),
    ]);
    for view in [website(None), website(Some(user_ref()))] {
        check.written(&view);
    }
    check.written(&Paged {
        data: vec![website(None)],
        count: 41,
        page: 2,
        page_size: 20,
        order_by: None,
        search: None,
    });
    check.written(&Paged {
        data: vec![team(true)],
        count: 1,
        page: 1,
        page_size: 10,
        order_by: Some("name".into()),
        search: Some("o".into()),
    });
    check.written(&Paged {
        data: vec![member(Some(user_ref()))],
        count: 1,
        page: 1,
        page_size: 20,
        order_by: None,
        search: None,
    });
    check.written(&Paged {
        data: vec![UserView {
            id: Uuid::from_u128(7),
            username: "ana".into(),
            role: UmamiRole::User,
            created_at: at("2026-12-02T07:05:09Z"),
            count: Some(UserCount { websites: 2 }),
        }],
        count: 1,
        page: 1,
        page_size: 20,
        order_by: Some("username".into()),
        search: None,
    });

    let id = Uuid::from_u128(7).to_string();
    check.read::<LoginBody>(json!({"username": "ana", "password": "pw"}));
    check.read::<CreateUserBody>(json!({"username": "ana", "password": "pw", "role": "view-only"}));
    check.read::<CreateUserBody>(json!({"username": "ana", "password": "pw"}));
    check.read::<UpdateUserBody>(json!({"username": "bo", "password": null, "role": "admin"}));
    check.read::<PasswordBody>(json!({"currentPassword": "a", "newPassword": "b"}));
    check.read::<CreateTeamBody>(json!({"name": "ops"}));
    check.read::<CreateTeamBody>(json!({"name": "ops", "ownerId": Uuid::from_u128(7)}));
    check.read::<UpdateTeamBody>(
        json!({"name": null, "accessCode": "team_code", "logoUrl": "https://l"}),
    );
    check.read::<JoinTeamBody>(json!({"accessCode": "team_code"}));
    check.read::<AddTeamUserBody>(json!({"userId": id, "role": "team-manager"}));
    check.read::<UpdateTeamUserBody>(json!({"role": "team-view-only"}));
    check.read::<CreateWebsiteBody>(
        json!({"name": "s", "domain": "e.com", "shareId": null, "teamId": id}),
    );
    check.read::<UpdateWebsiteBody>(json!({"name": "s", "shareId": "x"}));
    check.read::<UpdateWebsiteBody>(json!({"domain": "e.com"}));
    check.read::<TransferWebsiteBody>(json!({"userId": id}));
    check.read::<TransferWebsiteBody>(json!({"teamId": id, "userId": null}));
    check.read::<CreateApiKeyBody>(json!({"name": "ci"}));
    check.covers_every_schema_of(&crate::umami::service("").spec());
}
