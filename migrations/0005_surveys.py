"""Customer opinion surveys and the service guidelines: questionnaires in versions, campaigns,
the customers asked and their links, answers, suggestions; guideline versions."""
from peewee import *
from models.core.db import JSONField


def up(migrator, db):
    class Customer(Model):
        class Meta:
            database = db
            table_name = 'customer'

    class Job(Model):
        class Meta:
            database = db
            table_name = 'job'

    class User(Model):
        class Meta:
            database = db
            table_name = 'user'

    class Questionnaire(Model):
        version = IntegerField(default=1)
        updated_at = DateTimeField()
        name = CharField(max_length=100)
        state = CharField(index=True, max_length=20, default='draft')
        is_default = BooleanField(default=False)
        created_at = DateTimeField()
        created_by = ForeignKeyField(User)
        class Meta:
            database = db
            table_name = 'questionnaire'
    db.create_tables([Questionnaire])

    class Campaign(Model):
        version = IntegerField(default=1)
        updated_at = DateTimeField()
        kind = CharField(max_length=10)
        period = CharField(unique=True, null=True, max_length=10)
        name = CharField(max_length=100, default='')
        state = CharField(index=True, max_length=20, default='open')
        questionnaire = ForeignKeyField(Questionnaire)
        served_from = DateField()
        served_to = DateField()
        criteria = JSONField(null=True)
        asked = IntegerField(default=0)
        created_at = DateTimeField()
        created_by = ForeignKeyField(User, null=True)
        class Meta:
            database = db
            table_name = 'campaign'
    db.create_tables([Campaign])

    class SurveyRequest(Model):
        version = IntegerField(default=1)
        updated_at = DateTimeField()
        key = CharField(unique=True, max_length=40)
        kind = CharField(max_length=10)
        campaign = ForeignKeyField(Campaign, null=True)
        job = ForeignKeyField(Job)
        customer = ForeignKeyField(Customer, null=True)
        technician = ForeignKeyField(User, null=True)
        questionnaire = ForeignKeyField(Questionnaire)
        state = CharField(index=True, max_length=20, default='pending')
        attempts = IntegerField(default=0)
        call_back_at = DateTimeField(null=True)
        last_called_at = DateTimeField(null=True)
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'survey_request'
            indexes = ((('job', 'kind'), False), (('campaign', 'state'), False))
    db.create_tables([SurveyRequest])

    class QuestionnaireVersion(Model):
        questionnaire = ForeignKeyField(Questionnaire)
        number = IntegerField()
        intro = TextField(default='')
        created_at = DateTimeField()
        created_by = ForeignKeyField(User)
        published_at = DateTimeField(null=True)
        published_by = ForeignKeyField(User, null=True)
        class Meta:
            database = db
            table_name = 'questionnaire_version'
            indexes = ((('questionnaire', 'number'), True),)
    db.create_tables([QuestionnaireVersion])

    class SurveyToken(Model):
        digest = CharField(unique=True, max_length=64)
        request = ForeignKeyField(SurveyRequest)
        place = CharField(max_length=10)
        issued_by = ForeignKeyField(User, null=True)
        created_at = DateTimeField()
        expires_at = DateTimeField()
        used_at = DateTimeField(null=True)
        class Meta:
            database = db
            table_name = 'survey_token'
    db.create_tables([SurveyToken])

    class Answer(Model):
        version = IntegerField(default=1)
        updated_at = DateTimeField()
        number = CharField(unique=True, max_length=20)
        year = IntegerField()
        seq = IntegerField()
        state = CharField(index=True, max_length=20, default='plain')
        request = ForeignKeyField(SurveyRequest, unique=True)
        questionnaire_version = ForeignKeyField(QuestionnaireVersion)
        questionnaire = ForeignKeyField(Questionnaire)
        campaign = ForeignKeyField(Campaign, null=True)
        job = ForeignKeyField(Job)
        customer = ForeignKeyField(Customer, null=True)
        technician = ForeignKeyField(User, null=True)
        service_type = CharField(max_length=10)
        channel = CharField(max_length=10)
        token = ForeignKeyField(SurveyToken, null=True)
        entered_by = ForeignKeyField(User, null=True)
        answered_at = DateTimeField()
        day = DateField(index=True)
        month = CharField(max_length=7)
        rating_sum = IntegerField(default=0)
        rating_count = IntegerField(default=0)
        lowest = IntegerField(null=True)
        low_score = BooleanField(default=False)
        complaint_tagged = BooleanField(default=False)
        taken_by = ForeignKeyField(User, null=True)
        taken_at = DateTimeField(null=True)
        dismiss_reason = TextField(default='')
        class Meta:
            database = db
            table_name = 'survey_answer'
            indexes = ((('technician', 'day'), False), (('job',), False))
    db.create_tables([Answer])

    class Question(Model):
        version = ForeignKeyField(QuestionnaireVersion)
        key = CharField(index=True, max_length=12)
        position = IntegerField()
        kind = CharField(max_length=10)
        opinion = CharField(max_length=10)
        text = CharField(max_length=300)
        options = JSONField(default=list)
        required = BooleanField(default=True)
        class Meta:
            database = db
            table_name = 'question'
    db.create_tables([Question])

    class AnswerItem(Model):
        answer = ForeignKeyField(Answer, on_delete='CASCADE')
        question = ForeignKeyField(Question)
        key = CharField(max_length=12)
        opinion = CharField(max_length=10)
        rating = IntegerField(null=True)
        option = CharField(null=True, max_length=60)
        text = TextField(default='')
        tag = CharField(max_length=12, default='')
        class Meta:
            database = db
            table_name = 'survey_answer_item'
            indexes = ((('key', 'rating'), False),)
    db.create_tables([AnswerItem])

    class GuidelineVersion(Model):
        number = IntegerField(unique=True)
        text = TextField()
        note = CharField(max_length=200, default='')
        created_at = DateTimeField()
        created_by = ForeignKeyField(User)
        class Meta:
            database = db
            table_name = 'guideline_version'
    db.create_tables([GuidelineVersion])

    class Suggestion(Model):
        version = IntegerField(default=1)
        updated_at = DateTimeField()
        answer = ForeignKeyField(Answer)
        item = ForeignKeyField(AnswerItem, unique=True)
        job = ForeignKeyField(Job)
        text = TextField()
        state = CharField(index=True, max_length=20, default='open')
        created_at = DateTimeField()
        considered_by = ForeignKeyField(User, null=True)
        considered_at = DateTimeField(null=True)
        outcome = TextField(default='')
        class Meta:
            database = db
            table_name = 'suggestion'
    db.create_tables([Suggestion])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('suggestion'))
    migrator.migrate(migrator.drop_table('guideline_version'))
    migrator.migrate(migrator.drop_table('survey_answer_item'))
    migrator.migrate(migrator.drop_table('question'))
    migrator.migrate(migrator.drop_table('survey_answer'))
    migrator.migrate(migrator.drop_table('survey_token'))
    migrator.migrate(migrator.drop_table('questionnaire_version'))
    migrator.migrate(migrator.drop_table('survey_request'))
    migrator.migrate(migrator.drop_table('campaign'))
    migrator.migrate(migrator.drop_table('questionnaire'))
