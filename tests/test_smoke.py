from tests.conftest import client_for


def test_home_of_each_role_renders(world):
    for user in world.users.values():
        response = client_for(user).get("/")
        assert response.status_code == 200, user.role
