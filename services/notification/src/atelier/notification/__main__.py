from atelier.kit.cli import main
from atelier.notification.settings import NotificationSettings

main(NotificationSettings)
