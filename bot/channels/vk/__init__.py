"""The VK channel (vkbottle): community messages over Bots Long Poll, rendered replies out."""
