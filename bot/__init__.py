"""storywatch: watch live news stories and alert chats of each new update."""
