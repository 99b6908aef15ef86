"""Every GraphQL document Steward sends to GitHub, in one place so the tests can validate each against the schema.

GitHub has no REST endpoints for hiding (minimising) comments, for discussion comments, or for
locking discussions; these go through GraphQL. Names of operations are stable: the fake answers by
executing the document against GitHub's published schema, so what works here works there.
"""

# The node's minimised state; any comment kind that can be minimised (issue, review, commit, discussion).
MINIMIZED_STATE = """
query StewardMinimizedState($id: ID!) {
  node(id: $id) {
    __typename
    ... on Minimizable { isMinimized minimizedReason }
  }
}
"""

MINIMIZE_COMMENT = """
mutation StewardMinimizeComment($id: ID!, $classifier: ReportedContentClassifiers!) {
  minimizeComment(input: {subjectId: $id, classifier: $classifier}) {
    minimizedComment { isMinimized minimizedReason }
  }
}
"""

UNMINIMIZE_COMMENT = """
mutation StewardUnminimizeComment($id: ID!) {
  unminimizeComment(input: {subjectId: $id}) {
    unminimizedComment { isMinimized }
  }
}
"""

# A discussion comment is found by the number in its URL (#discussioncomment-<databaseId>): GitHub has no
# lookup by database id, so the discussion's comments and their replies are paged through.
DISCUSSION_COMMENTS = """
query StewardDiscussionComments($owner: String!, $name: String!, $number: Int!, $after: String) {
  repository(owner: $owner, name: $name) {
    discussion(number: $number) {
      comments(first: 50, after: $after) {
        pageInfo { hasNextPage endCursor }
        nodes {
          id
          databaseId
          replies(first: 100) { nodes { id databaseId } }
        }
      }
    }
  }
}
"""

DISCUSSION_COMMENT = """
query StewardDiscussionComment($id: ID!) {
  node(id: $id) {
    __typename
    ... on DiscussionComment { id body url author { login } }
  }
}
"""

UPDATE_DISCUSSION_COMMENT = """
mutation StewardUpdateDiscussionComment($id: ID!, $body: String!) {
  updateDiscussionComment(input: {commentId: $id, body: $body}) {
    comment { id body }
  }
}
"""

DELETE_DISCUSSION_COMMENT = """
mutation StewardDeleteDiscussionComment($id: ID!) {
  deleteDiscussionComment(input: {id: $id}) {
    comment { id }
  }
}
"""

DISCUSSION = """
query StewardDiscussion($owner: String!, $name: String!, $number: Int!) {
  repository(owner: $owner, name: $name) {
    discussion(number: $number) { id locked activeLockReason }
  }
}
"""

LOCK_LOCKABLE = """
mutation StewardLockLockable($id: ID!, $reason: LockReason) {
  lockLockable(input: {lockableId: $id, lockReason: $reason}) {
    lockedRecord { locked activeLockReason }
  }
}
"""

UNLOCK_LOCKABLE = """
mutation StewardUnlockLockable($id: ID!) {
  unlockLockable(input: {lockableId: $id}) {
    unlockedRecord { locked }
  }
}
"""

# The catch-up reader (reading.py): a repository's discussions, oldest first, then each one's comments and
# their replies. Authors carry the numeric id (a User's databaseId) as webhooks and REST answers do.
READ_DISCUSSIONS = """
query StewardReadDiscussions($owner: String!, $name: String!, $after: String) {
  repository(owner: $owner, name: $name) {
    discussions(first: 50, after: $after, orderBy: {field: CREATED_AT, direction: ASC}) {
      pageInfo { hasNextPage endCursor }
      nodes { number title body url createdAt author { login ... on User { databaseId } } }
    }
  }
}
"""

# The poll (reading.py, RepositoryReader.recent_discussions): the discussions GitHub last modified, newest first,
# with their opening posts; paging stops at the first discussion modified before the cursor, and only the
# discussions modified since are read further (READ_DISCUSSION_COMMENTS). Comments are not nested here: GitHub
# charges a query by the most nodes it could return (first × first × …), so a nested page of comments and
# replies would cost ten points on every poll of every repository, most of which have nothing new.
READ_RECENT_DISCUSSIONS = """
query StewardReadRecentDiscussions($owner: String!, $name: String!, $after: String) {
  repository(owner: $owner, name: $name) {
    discussions(first: 25, after: $after, orderBy: {field: UPDATED_AT, direction: DESC}) {
      pageInfo { hasNextPage endCursor }
      nodes { number title body url createdAt updatedAt lastEditedAt author { login ... on User { databaseId } } }
    }
  }
}
"""

READ_DISCUSSION_COMMENTS = """
query StewardReadDiscussionComments($owner: String!, $name: String!, $number: Int!, $after: String) {
  repository(owner: $owner, name: $name) {
    discussion(number: $number) {
      comments(first: 50, after: $after) {
        pageInfo { hasNextPage endCursor }
        nodes {
          id databaseId body url createdAt updatedAt author { login ... on User { databaseId } }
          replies(first: 50) {
            pageInfo { hasNextPage endCursor }
            nodes { databaseId body url createdAt updatedAt author { login ... on User { databaseId } } }
          }
        }
      }
    }
  }
}
"""

READ_DISCUSSION_REPLIES = """
query StewardReadDiscussionReplies($id: ID!, $after: String) {
  node(id: $id) {
    ... on DiscussionComment {
      replies(first: 50, after: $after) {
        pageInfo { hasNextPage endCursor }
        nodes { databaseId body url createdAt updatedAt author { login ... on User { databaseId } } }
      }
    }
  }
}
"""

ALL = {
    "READ_DISCUSSIONS": READ_DISCUSSIONS,
    "READ_RECENT_DISCUSSIONS": READ_RECENT_DISCUSSIONS,
    "READ_DISCUSSION_COMMENTS": READ_DISCUSSION_COMMENTS,
    "READ_DISCUSSION_REPLIES": READ_DISCUSSION_REPLIES,
    "MINIMIZED_STATE": MINIMIZED_STATE,
    "MINIMIZE_COMMENT": MINIMIZE_COMMENT,
    "UNMINIMIZE_COMMENT": UNMINIMIZE_COMMENT,
    "DISCUSSION_COMMENTS": DISCUSSION_COMMENTS,
    "DISCUSSION_COMMENT": DISCUSSION_COMMENT,
    "UPDATE_DISCUSSION_COMMENT": UPDATE_DISCUSSION_COMMENT,
    "DELETE_DISCUSSION_COMMENT": DELETE_DISCUSSION_COMMENT,
    "DISCUSSION": DISCUSSION,
    "LOCK_LOCKABLE": LOCK_LOCKABLE,
    "UNLOCK_LOCKABLE": UNLOCK_LOCKABLE,
}
