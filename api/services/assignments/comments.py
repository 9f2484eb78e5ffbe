"""The conversation under a revealed assignment (SPEC §5): comments, oldest first."""

from datetime import datetime

from sqlalchemy import or_
from sqlmodel import Session, col, select

from api.kernel import changes
from api.kernel.errors import Conflict
from api.models import Assignment, Comment, User
from api.models.base import new_id
from api.schemas.assignment import CommentOut
from api.services.assignments.answering import partner_in
from api.services.notifications import notices


def comments_of(
    db: Session, assignment: Assignment, after: tuple[datetime, str] | None, limit: int
) -> list[Comment]:
    """The conversation under an assignment, oldest first, one page after `after`."""
    query = select(Comment).where(Comment.assignment_id == assignment.id)
    if after is not None:
        at, last_id = after
        query = query.where(
            or_(
                col(Comment.created_at) > at,
                (col(Comment.created_at) == at) & (col(Comment.id) > last_id),
            )
        )
    return list(db.exec(query.order_by(col(Comment.created_at), col(Comment.id)).limit(limit)))


def add_comment(
    db: Session,
    user: User,
    assignment: Assignment,
    comment_id: str | None,
    body: str,
    now: datetime,
) -> Comment:
    changes.lock_couple(db, assignment)
    if assignment.revealed_at is None:
        raise Conflict("Comments open once both of you have answered.")
    comment = Comment(
        id=comment_id or new_id(),
        assignment_id=assignment.id,
        user_id=user.id,
        body=body,
        created_at=now,
    )
    if db.get(Comment, comment.id) is not None:
        raise Conflict("A comment with this id already exists.")
    changes.stamp(db, assignment.space, comment)
    partner = partner_in(db, assignment, user)
    if partner is not None:
        notices.enqueue_partner_commented(db, comment, user, partner, now)
    db.flush()
    return comment


def comment_out(comment: Comment) -> CommentOut:
    """A comment as REST and sync show it: only under a revealed assignment, so to both."""
    return CommentOut(
        id=comment.id,
        assignment_id=comment.assignment_id,
        author_id=comment.user_id,
        body=comment.body,
        created_at=comment.created_at,
    )


def authored_comments(db: Session, user: User) -> list[Comment]:
    return list(
        db.exec(select(Comment).where(Comment.user_id == user.id).order_by(col(Comment.created_at)))
    )
